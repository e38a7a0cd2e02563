"""Provider accounts, our numbers and numbers planted upstream in each simulator, for the
reconciliation tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from django.utils import timezone

from inventory.accounts import provider_account_create
from inventory.models import Number, NumberStatus, ProviderAccount
from inventory.sandbox.didfarm_catalog import Offer
from inventory.sandbox.didfarm_state import Did
from inventory.sandbox.didww_orders import DidRecord
from inventory.sandbox.idtexpress_orders import NumberRecord
from inventory.sandbox.pbxme import OwnedDid
from inventory.sandbox.pbxme_catalog import CatalogDid
from inventory.sandbox.registry import sandbox_for
from tests.factories import ClientFactory

KINDS = ("didww", "didfarm", "idtexpress", "pbxme")
_ids = count(1000)


def make_account(kind: str, name: str = "", **fields) -> ProviderAccount:
    return provider_account_create(kind=kind, name=name or f"{kind}-recon", sandbox=True, **fields)


def make_number(account: ProviderAccount, e164: str, **fields) -> Number:
    client = fields.pop("client", None) or ClientFactory()
    today = timezone.now().date()
    values = dict(
        e164=e164, client=client, reseller=client.reseller, provider_account=account,
        order_reference="DH-RECON001-1", billing_cycle="monthly", currency="USD",
        retail_setup=Decimal("0"), retail_period=Decimal("5.00"), wholesale_setup=Decimal("0"),
        wholesale_period=Decimal("3.00"), cost_setup=Decimal("0"), cost_monthly=Decimal("1.00"),
        cost_currency=account.currency, status=NumberStatus.ACTIVE, activated_at=timezone.now(),
        paid_until=today, renewal_anchor=today, next_period_start=today + timedelta(days=1),
    )  # fmt: skip
    values.update(fields)
    return Number.objects.create(**values)


def plant(account: ProviderAccount, e164: str, *, status: str = "active", **kw) -> None:
    """Put ``e164`` in the account's simulator as a number it owns (``status`` as the adapter
    will report it, where the simulator can say so)."""
    sandbox = sandbox_for(account.kind, account.name)
    PLANTERS[account.kind](sandbox, e164, status, **kw)


def _didww(
    sandbox,
    e164: str,
    status: str,
    *,
    expires_at: datetime | None = None,
    cycles: int | None = None,
) -> None:
    now = datetime.now(UTC)
    record = DidRecord(
        id=f"did-{next(_ids)}", number=e164.removeprefix("+"),
        group_id=next(iter(sandbox.catalog.group_by_id)), order_id="o-1",
        channels=2, awaiting_registration=status == "awaiting_registration", created_at=now,
        expires_at=expires_at or now + timedelta(days=400), billing_cycles_count=cycles,
    )  # fmt: skip
    record.blocked = status == "blocked"
    record.terminated = status == "terminated"
    sandbox.state.dids[record.id] = record


def _didfarm(sandbox, e164: str, status: str) -> None:
    wire_status = {"active": "active", "blocked": "suspended", "terminated": "released"}[status]
    offer = Offer(e164, "US", "local", "New York", 100, 0, False, False)
    did_id = next(_ids)
    # Bought "last year" on an annual cycle: it expires after our paid-until.
    created = datetime.now(UTC) - timedelta(days=30)
    sandbox.state.numbers[did_id] = Did(did_id, offer, 1, "annual", {}, created, status=wire_status)


def _idt(sandbox, e164: str, status: str, *, added_at: datetime | None = None) -> None:
    group = sandbox.catalog.groups("US")[0]
    record = NumberRecord(
        number="011" + e164[1:],
        group=group,
        added_at=added_at or datetime.now(UTC) - timedelta(days=3),
    )
    if status == "terminated":
        record.status = "removed"
    sandbox.state.numbers[record.number] = record


def _pbxme(sandbox, e164: str, status: str, *, monthly: str = "1.00") -> None:
    did_id = int(e164[-6:])
    sandbox.state.owned[did_id] = OwnedDid(
        CatalogDid(did_id, "00" + e164[1:], "US", "landline", Decimal(monthly), Decimal("0")),
        assigned_at="2026-11-01T00:00:00+00:00",
    )
    sandbox.state.gone.add(did_id)


PLANTERS = {"didww": _didww, "didfarm": _didfarm, "idtexpress": _idt, "pbxme": _pbxme}
