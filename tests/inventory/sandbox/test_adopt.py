"""Every simulator adopts a number bought earlier (``adopt``): listed by the adapter as held,
in its group, once; suspend, restore and release find it afterwards; and owned numbers page
the way the provider's listing pages, completely."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest

from inventory.accounts import adapter_for
from inventory.providers.listing import listing_watch
from inventory.sandbox.held import HeldNumber
from inventory.sandbox.registry import sandbox_for
from tests.billing.reconcile.support import KINDS, make_account

pytestmark = pytest.mark.django_db

# Numbers each simulator sells at the default seed (so adopting takes them off sale), and one
# it does not (adopted as the number says it is).
ON_SALE = {
    "didww": "+12125550141",  # DIDWW's New York group is found by its prefix
    "didfarm": "+16172625428",  # Boston, with SMS
    "idtexpress": "+14155980150",  # in San Francisco (415) 598
    "pbxme": "+12064574710",  # Seattle
}
EXPIRES = datetime(2027, 1, 5, tzinfo=UTC)


def _setup(kind: str):
    account = make_account(kind, f"{kind}-adopt")
    sandbox = sandbox_for(kind, account.name)
    return account, sandbox, adapter_for(account, transport=sandbox.transport())


def _held(adapter) -> dict:
    with listing_watch() as watch:
        listing = {n.number: n for n in adapter.owned_numbers()}
    assert watch.complete, watch.gaps
    return listing


@pytest.mark.parametrize("kind", KINDS)
def test_an_adopted_number_is_held_once_in_its_group(kind):
    _account, sandbox, adapter = _setup(kind)
    e164 = ON_SALE[kind]
    held = HeldNumber(
        e164, number_type="local", expires_at=EXPIRES, monthly_cost=Decimal("1.40"),
        created_at=EXPIRES - timedelta(days=30),
    )  # fmt: skip

    assert sandbox.adopt(held) is True
    assert sandbox.adopt(held) is False  # already held: nothing changes

    listing = _held(adapter)
    assert list(listing) == [e164]
    record = listing[e164]
    assert record.status == "active"
    assert record.group_external_id  # a group of the simulator's own catalog
    if kind == "pbxme":
        assert record.extra["monthly_cost"] == "1.40"  # what we recorded: no cost finding
    if kind == "didww":
        assert record.group_external_id in sandbox.catalog.group_by_id
        assert record.expires_at == EXPIRES and "billing_cycles_count" not in record.extra


def test_adopted_numbers_are_off_sale():
    _account, didfarm, _adapter = _setup("didfarm")
    didfarm.adopt(HeldNumber(ON_SALE["didfarm"]))
    assert ON_SALE["didfarm"] not in didfarm.stock("US", "local").by_number
    _account, pbxme, _adapter = _setup("pbxme")
    pbxme.adopt(HeldNumber(ON_SALE["pbxme"]))
    on_sale = {d.did_id for d in pbxme.catalog.country("US") if d.number == "0012064574710"}
    assert on_sale and on_sale <= pbxme.state.gone
    _account, didww, _adapter = _setup("didww")
    didww.adopt(HeldNumber(ON_SALE["didww"]))
    assert ON_SALE["didww"][1:] in didww.state.taken


@pytest.mark.parametrize("kind", KINDS)
def test_suspend_restore_and_release_find_an_adopted_number(kind):
    _account, sandbox, adapter = _setup(kind)
    e164 = ON_SALE[kind]
    sandbox.adopt(HeldNumber(e164, expires_at=EXPIRES))
    if adapter.upstream_actions["suspend"] == "api":
        before = adapter.suspension_snapshot(e164)
        adapter.suspend(e164)
        adapter.restore(e164, before)
    adapter.release(e164)
    listing = _held(adapter)
    assert e164 not in listing or listing[e164].status == "terminated"


def test_a_suspended_number_is_adopted_not_renewing_and_unrouted():
    _account, sandbox, adapter = _setup("didww")
    sandbox.adopt(HeldNumber(ON_SALE["didww"], suspended=True, expires_at=EXPIRES))
    record = _held(adapter)[ON_SALE["didww"]]
    assert record.extra["billing_cycles_count"] == "0"
    did = next(iter(sandbox.state.dids.values()))
    assert did.voice_in_trunk_id is None
    adapter.restore(ON_SALE["didww"], {})  # nothing recorded before: renews again
    assert did.billing_cycles_count is None


def test_a_number_a_simulator_does_not_sell_is_adopted_as_it_says():
    _account, sandbox, adapter = _setup("didfarm")
    assert sandbox.adopt(HeldNumber("+12125550199", number_type="local"))
    _account, pbxme, pbx_adapter = _setup("pbxme")
    assert pbxme.adopt(HeldNumber("+12125550199", monthly_cost=Decimal("2.00")))
    assert _held(adapter)["+12125550199"].status == "active"
    assert _held(pbx_adapter)["+12125550199"].extra["monthly_cost"] == "2.00"


# More than one page of each provider's owned-number listing: DIDWW serves at most 500 a page
# (links.next), DIDfarm 100 (limit, meta.total), IDT 100 (page_size, meta.total); PBXme's
# did/list is one answer (its document gives no paging).
PAGED = {"didww": 1010, "didfarm": 230, "idtexpress": 230, "pbxme": 230}


@pytest.mark.parametrize("kind", KINDS)
def test_owned_numbers_page_completely(kind):
    _account, sandbox, adapter = _setup(kind)
    first = HeldNumber("+12125550000")
    sandbox.adopt(first)
    group = ""
    if kind in ("didww", "idtexpress"):  # skip the group search for the rest
        group = _held(adapter)["+12125550000"].group_external_id
    wanted = {f"+1212555{i:04d}" for i in range(PAGED[kind])}
    for e164 in sorted(wanted - {first.number}):
        assert sandbox.adopt(HeldNumber(e164, group_id=group))
    assert set(_held(adapter)) == wanted


def test_sandbox_release_gives_a_number_back_in_a_served_simulator():
    """``sandbox release``: the demo's stand-in for a provider's own portal, where a release is
    an admin's task (DIDfarm) — the number is released upstream, so reconciliation agrees."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from inventory.sandbox.registry import make_sandbox
    from inventory.sandbox.server import make_server
    from tests.inventory.sandbox.test_server import run

    didfarm = make_sandbox("didfarm")
    didfarm.adopt(HeldNumber(ON_SALE["didfarm"]))
    with contextlib.contextmanager(run)(make_server({"didfarm": didfarm}, port=0)) as server:
        port = str(server.server_address[1])
        out = StringIO()
        call_command(
            "sandbox", "release", "didfarm", ON_SALE["didfarm"], "--port", port, stdout=out
        )
        assert out.getvalue().strip() == f"didfarm released {ON_SALE['didfarm']}"
        assert [d.status for d in didfarm.state.numbers.values()] == ["released"]
        with pytest.raises(CommandError, match="did not release"):
            call_command("sandbox", "release", "didfarm", "+12125550100", "--port", port)


def test_idt_never_delivers_an_adopted_number_again():
    """IDT hands numbers out of a group's pool in order: one adopted before the pool reached it
    (the demo's restarted sandbox) is skipped, not sold twice."""
    _account, sandbox, _adapter = _setup("idtexpress")
    group = sandbox.catalog.group(1000718)  # San Francisco (415) 598
    pool = sandbox.catalog.numbers(group)
    adopted = ["+" + n.removeprefix("011") for n in pool[:2]]
    for e164 in adopted:
        assert sandbox.adopt(HeldNumber(e164, group_id=str(group.id)))
    delivered = sandbox.book._draw(group, 3)
    assert delivered == pool[2:5]
    assert not set(delivered) & {"011" + e[1:] for e in adopted}
