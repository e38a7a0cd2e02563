"""Numbers planted in the simulators, and adapters wired to them, for the upstream tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from inventory.accounts import DEFAULT_BASE_URLS
from inventory.providers.didww.adapter import DidwwAdapter
from inventory.providers.http import AccountConfig
from inventory.providers.idtexpress.adapter import IdtExpressAdapter
from inventory.providers.pbxme.adapter import PbxmeAdapter
from inventory.sandbox.didww import DidwwSandbox
from inventory.sandbox.didww_orders import DidRecord
from inventory.sandbox.idtexpress import IdtExpressSandbox
from inventory.sandbox.idtexpress_orders import NumberRecord
from inventory.sandbox.pbxme import OwnedDid, PbxmeSandbox
from inventory.sandbox.pbxme_catalog import CatalogDid
from inventory.sandbox.registry import SANDBOX_CREDENTIALS

DIDWW_NUMBER = "+12125550100"
PBXME_NUMBER = "+12125550177"
IDT_NUMBER = "+12125550199"


def config(kind: str, transport, **extra) -> AccountConfig:
    return AccountConfig(
        name=f"{kind}-test",
        kind=kind,
        base_url=DEFAULT_BASE_URLS[kind],
        currency="USD",
        credentials=SANDBOX_CREDENTIALS[kind],
        transport=transport,
        **extra,
    )


def plant_didww(
    sandbox: DidwwSandbox,
    number: str = DIDWW_NUMBER,
    *,
    trunk: str | None = "trunk-7",
    cycles: int | None = None,
) -> DidRecord:
    now = datetime.now(UTC)
    record = DidRecord(
        id=f"did-{number[-4:]}",
        number=number.removeprefix("+"),
        group_id="g-1",
        order_id="o-1",
        channels=2,
        awaiting_registration=False,
        created_at=now,
        expires_at=now + timedelta(days=30),
        billing_cycles_count=cycles,
        voice_in_trunk_id=trunk,
    )
    sandbox.state.dids[record.id] = record
    if trunk:
        sandbox.voice_in.plant_trunk(trunk)  # the simulator refuses routes to unknown trunks
    return record


def didww(sandbox: DidwwSandbox | None = None) -> tuple[DidwwSandbox, DidwwAdapter]:
    sandbox = sandbox or DidwwSandbox(credentials=SANDBOX_CREDENTIALS["didww"])
    return sandbox, DidwwAdapter(config("didww", sandbox.transport()))


def plant_pbxme(
    sandbox: PbxmeSandbox, number: str = PBXME_NUMBER, *, forward: tuple[str, str] = ("", "")
) -> OwnedDid:
    did_id = int(number[-6:])
    owned = OwnedDid(
        CatalogDid(did_id, "00" + number[1:], "US", "landline", Decimal("1"), Decimal("0")),
        assigned_at="2026-11-01T00:00:00+00:00",
        forward_type=forward[0],
        forward_destination=forward[1],
    )
    sandbox.state.owned[did_id] = owned
    sandbox.state.gone.add(did_id)
    return owned


def pbxme(
    sandbox: PbxmeSandbox | None = None, *, suspended_forward: str = ""
) -> tuple[PbxmeSandbox, PbxmeAdapter]:
    sandbox = sandbox or PbxmeSandbox(credentials=SANDBOX_CREDENTIALS["pbxme"])
    adapter = PbxmeAdapter(
        config("pbxme", sandbox.transport(), suspended_forward=suspended_forward)
    )
    return sandbox, adapter


def plant_idt(sandbox: IdtExpressSandbox, number: str = IDT_NUMBER) -> NumberRecord:
    group = sandbox.catalog.groups("US")[0]
    record = NumberRecord(number="011" + number[1:], group=group, added_at=datetime.now(UTC))
    sandbox.state.numbers[record.number] = record
    return record


def idt(sandbox: IdtExpressSandbox | None = None) -> tuple[IdtExpressSandbox, IdtExpressAdapter]:
    sandbox = sandbox or IdtExpressSandbox(credentials=SANDBOX_CREDENTIALS["idtexpress"])
    return sandbox, IdtExpressAdapter(config("idtexpress", sandbox.transport()))
