"""An incomplete listing never produces a finding: the run is recorded as aborted and the open
findings stay as they were. The providers' simulators answer, respx breaks page 2."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
import stamina

from billing.reconcile.models import ReconcileFinding, ReconcileRun, RunStatus
from billing.reconcile.services import reconcile_account
from inventory.accounts import provider_account_create
from inventory.sandbox.registry import SANDBOX_CREDENTIALS, make_sandbox

from .support import PLANTERS, make_number

pytestmark = pytest.mark.django_db

HOSTS = {
    "didfarm": "https://didfarm.com",
    "idtexpress": "https://api.idtexpress.com",
    "didww": "https://api.didww.com",
    "pbxme": "https://newsip.pbxme.com",
}
LISTINGS = {
    "didfarm": "/numbers",
    "idtexpress": "/numbers",
    "didww": "/v3/dids",
    "pbxme": "/did/list",
}


@pytest.fixture(autouse=True)
def _one_attempt():
    stamina.set_testing(True, attempts=1)
    yield
    stamina.set_testing(False)


def _live(kind: str, planted: int):
    """A real (non-sandbox) account whose provider is a simulator behind respx."""
    account = provider_account_create(
        kind=kind, name=f"{kind}-live", credentials=dict(SANDBOX_CREDENTIALS[kind])
    )
    sandbox = make_sandbox(kind)
    numbers = [f"+1212555{i:04d}" for i in range(planted)]
    for e164 in numbers:
        PLANTERS[kind](sandbox, e164, "active")
    return account, sandbox, numbers


def _page(request: httpx.Request) -> int:
    params = request.url.params
    return int(params.get("page") or params.get("page[number]") or 1)


def _run_with(kind: str, account, sandbox, breaker):
    """Reconcile with every listing request after page 1 answered by ``breaker``."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(LISTINGS[kind]) and _page(request) >= 2:
            return breaker(request)
        return sandbox.handle(request)

    with respx.mock(assert_all_called=False) as mock:
        mock.route(host=HOSTS[kind].removeprefix("https://")).mock(side_effect=answer)
        return reconcile_account(account=account)


def _server_error(request):
    return httpx.Response(500, json={"error": "boom"})


def _empty_page(request):
    return httpx.Response(200, json={"data": [], "meta": {"total": 150, "page": 2}})


def _idt_empty_page(request):
    return httpx.Response(
        200, json={"numbers": [], "meta": {"page": 2, "page_size": 100, "total": 150}}
    )


@pytest.mark.parametrize(
    ("kind", "breaker"),
    [
        ("didfarm", _server_error),
        ("didfarm", _empty_page),
        ("idtexpress", _server_error),
        ("idtexpress", _idt_empty_page),
    ],
)
def test_broken_second_page_aborts_the_run(kind, breaker):
    account, sandbox, numbers = _live(kind, 150)
    for e164 in numbers:  # all ours; those on page 2 would look "missing"
        make_number(account, e164)
    result = _run_with(kind, account, sandbox, breaker)
    assert result.status == RunStatus.ABORTED, result
    assert not ReconcileFinding.objects.exists()
    run = ReconcileRun.objects.get()
    assert run.status == RunStatus.ABORTED and run.detail


def test_complete_listing_over_two_pages_finds_nothing():
    account, sandbox, numbers = _live("didfarm", 150)
    for e164 in numbers:
        make_number(account, e164)
    result = _run_with("didfarm", account, sandbox, sandbox.handle)
    assert result.status == RunStatus.COMPLETE and result.upstream == 150
    assert result.findings == {}


def test_didww_cursor_that_ends_early_aborts():
    account, sandbox, numbers = _live("didww", 5)
    for e164 in numbers:
        make_number(account, e164)

    def answer(request: httpx.Request) -> httpx.Response:
        response = sandbox.handle(request)
        if not request.url.path.endswith("/v3/dids"):
            return response
        body = json.loads(response.content)
        body["data"] = body["data"][:3]  # says 5 records, sends 3 and no next link
        body.get("links", {}).pop("next", None)
        return httpx.Response(200, json=body, headers={"Content-Type": "application/vnd.api+json"})

    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="api.didww.com").mock(side_effect=answer)
        result = reconcile_account(account=account)
    assert result.status == RunStatus.ABORTED and "3 of 5" in result.detail
    assert not ReconcileFinding.objects.exists()


def test_aborted_run_leaves_open_findings_open():
    account, sandbox, _numbers = _live("pbxme", 1)
    make_number(account, "+12125559000")  # ours, not upstream
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="newsip.pbxme.com").mock(side_effect=sandbox.handle)
        assert reconcile_account(account=account).status == RunStatus.COMPLETE
    finding = ReconcileFinding.objects.get(e164="+12125559000")
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="newsip.pbxme.com").mock(side_effect=_server_error)
        assert reconcile_account(account=account).status == RunStatus.ABORTED
    finding.refresh_from_db()
    assert finding.closed_at is None
