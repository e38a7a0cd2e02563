"""The PBXme sandbox on its own: the documented API shape, state, tokens, limits."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import httpx
import pytest

from inventory.providers.http import AccountConfig
from inventory.providers.pbxme.adapter import PbxmeAdapter
from inventory.sandbox.pbxme import PbxmeSandbox
from inventory.sandbox.server import make_server

CREDS = {"username": "demo", "password": "secret"}
BASE = "https://newsip.pbxme.com/api"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def http(sandbox: PbxmeSandbox) -> httpx.Client:
    return httpx.Client(base_url=BASE, transport=sandbox.transport())


def post(client: httpx.Client, path: str, **data: Any) -> httpx.Response:
    return client.post(path, data={k: str(v) for k, v in data.items()})


def login(client: httpx.Client) -> str:
    body = post(client, "/login", **CREDS).json()
    assert body["status"] is True
    return body["account_token"]


@pytest.fixture
def sandbox() -> PbxmeSandbox:
    return PbxmeSandbox(credentials=CREDS)


@pytest.fixture
def api(sandbox: PbxmeSandbox) -> httpx.Client:
    return http(sandbox)


def test_catalog_is_deterministic_and_scales() -> None:
    one, two = PbxmeSandbox(credentials=CREDS), PbxmeSandbox(credentials=CREDS)
    assert one.catalog.country("US") == two.catalog.country("US")
    assert one.catalog.country("GB") == two.catalog.country("GB")
    other = PbxmeSandbox(credentials=CREDS, seed=2)
    assert other.catalog.country("US") != one.catalog.country("US")
    bigger = PbxmeSandbox(credentials=CREDS, scale=3)
    assert len(bigger.catalog.country("US")) > 2.5 * len(one.catalog.country("US"))
    assert one.catalog.country("NO") == ()  # a country the sandbox does not sell
    assert one.group_count() > 3000
    assert bigger.group_count() > 2.5 * one.group_count()


def test_catalog_ids_find_their_did(sandbox: PbxmeSandbox) -> None:
    for code in ("US", "CA", "DE", "PE"):
        for did in sandbox.catalog.country(code)[:50]:
            assert sandbox.catalog.by_id(did.did_id) == did
    assert sandbox.catalog.by_id(1) is None
    assert sandbox.catalog.by_id(10_000_000 + 10_000_000 - 1) is None


def test_login_and_available(api: httpx.Client, sandbox: PbxmeSandbox) -> None:
    token = login(api)
    response = post(api, "/did/available", token=token, country="fr")
    body = response.json()
    assert response.status_code == 200 and body["status"] is True
    first = body["dids"][0]
    assert set(first) == {"did_id", "did_number", "monthly_cost", "setup_fee", "country", "type"}
    assert first["did_number"].startswith("0033")
    assert first["country"] == "FR"
    assert len(body["dids"]) == len(sandbox.catalog.country("FR"))
    assert post(api, "/did/available", token=token, country="NO").json() == {
        "status": True,
        "dids": [],
    }


def test_wrong_and_missing_credentials(api: httpx.Client) -> None:
    wrong = post(api, "/login", username="demo", password="nope")
    assert (wrong.status_code, wrong.json()) == (
        200,
        {"status": False, "error": "Invalid username or password"},
    )
    assert post(api, "/login", username="demo").json()["error"] == "Missing parameter: password"


def test_token_required(api: httpx.Client) -> None:
    response = post(api, "/balance")
    assert response.status_code == 401
    assert response.json() == {"status": False, "error": "Invalid or missing token"}
    assert post(api, "/balance", token="made-up").status_code == 401


def test_token_expires_by_time() -> None:
    clock = Clock()
    sandbox = PbxmeSandbox(credentials=CREDS, token_ttl=60, clock=clock)
    api = http(sandbox)
    token = login(api)
    assert post(api, "/balance", token=token).json()["status"] is True
    clock.now += 61
    expired = post(api, "/balance", token=token)
    assert (expired.status_code, expired.json()["error"]) == (
        200,
        "Token expired, please login again",
    )
    assert post(api, "/balance", token=token).status_code == 401  # gone for good


def test_token_expires_by_calls() -> None:
    sandbox = PbxmeSandbox(credentials=CREDS, token_max_calls=2)
    api = http(sandbox)
    token = login(api)
    assert [post(api, "/balance", token=token).json()["status"] for _ in range(3)] == [
        True,
        True,
        False,
    ]


def test_hourly_limit_answers_429_with_retry_after_then_resets() -> None:
    clock = Clock()
    sandbox = PbxmeSandbox(credentials=CREDS, hourly_limit=2, clock=clock)
    api = http(sandbox)
    token = login(api)
    assert post(api, "/balance", token=token).status_code == 200
    limited = post(api, "/balance", token=token)
    assert limited.status_code == 429
    assert "hourly" in limited.json()["error"].lower()
    assert 0 < int(limited.headers["Retry-After"]) <= 3601
    clock.now += 3600
    assert post(api, "/balance", token=token).status_code == 200


def test_hourly_limit_as_status_false_body() -> None:
    sandbox = PbxmeSandbox(credentials=CREDS, hourly_limit=1, limit_status=200)
    api = http(sandbox)
    token = login(api)
    limited = post(api, "/balance", token=token)
    assert limited.status_code == 200
    assert limited.json()["status"] is False
    assert "Retry-After" not in limited.headers


def test_assign_charges_and_removes_the_number(api: httpx.Client, sandbox: PbxmeSandbox) -> None:
    token = login(api)
    did = post(api, "/did/available", token=token, country="GB").json()["dids"][0]
    assigned = post(api, "/did/assign", token=token, did_id=did["did_id"]).json()
    assert assigned["status"] is True and assigned["did_id"] == did["did_id"]
    price = Decimal(did["setup_fee"]) + Decimal(did["monthly_cost"])
    assert post(api, "/balance", token=token).json()["balance"] == str(Decimal("500.00") - price)
    available = post(api, "/did/available", token=token, country="GB").json()["dids"]
    assert did["did_id"] not in [d["did_id"] for d in available]
    owned = post(api, "/did/list", token=token).json()["dids"]
    assert [d["did_number"] for d in owned] == [did["did_number"]]
    again = post(api, "/did/assign", token=token, did_id=did["did_id"]).json()
    assert again == {"status": False, "error": "DID not found or no longer available"}
    assert len(sandbox.state.assignments) == 1


def test_assign_refuses_without_balance() -> None:
    sandbox = PbxmeSandbox(credentials=CREDS, balance=Decimal("0.00"))
    api = http(sandbox)
    token = login(api)
    did_id = sandbox.catalog.country("US")[0].did_id
    assert post(api, "/did/assign", token=token, did_id=did_id).json() == {
        "status": False,
        "error": "Insufficient balance",
    }
    assert sandbox.state.owned == {}


def test_forward_and_release(api: httpx.Client, sandbox: PbxmeSandbox) -> None:
    token = login(api)
    did_id = sandbox.catalog.country("US")[0].did_id
    post(api, "/did/assign", token=token, did_id=did_id)
    bad = post(api, "/did/forward", token=token, did_id=did_id, destination="1", type="fax")
    assert bad.json()["error"] == "Invalid parameter: type"
    ok = post(api, "/did/forward", token=token, did_id=did_id, destination="101", type="extension")
    assert ok.json()["status"] is True
    (entry,) = post(api, "/did/list", token=token).json()["dids"]
    assert (entry["forward_type"], entry["forward_destination"]) == ("extension", "101")
    assert post(api, "/did/release", token=token, did_id=did_id).json()["status"] is True
    assert post(api, "/did/release", token=token, did_id=did_id).json()["error"] == "DID not found"
    assert post(api, "/did/list", token=token).json()["dids"] == []


def test_json_body_carries_no_form_fields(api: httpx.Client) -> None:
    response = api.post("/login", json=CREDS)
    assert response.json() == {"status": False, "error": "Missing parameter: username"}


def test_routing_errors(api: httpx.Client, sandbox: PbxmeSandbox) -> None:
    assert api.get("/balance").status_code == 405
    assert post(api, "/nope").status_code == 404
    outside = httpx.Client(transport=sandbox.transport()).post("https://newsip.pbxme.com/login")
    assert outside.status_code == 404


def test_interface_helpers(sandbox: PbxmeSandbox) -> None:
    assert sandbox.is_purchase(httpx.Request("POST", f"{BASE}/did/assign"))
    assert not sandbox.is_purchase(httpx.Request("POST", f"{BASE}/did/release"))
    error = sandbox.error_response(503, "Down")
    assert (error.status_code, error.json()) == (503, {"status": False, "error": "Down"})


def test_concurrent_assigns_sell_a_number_once(sandbox: PbxmeSandbox) -> None:
    token = login(http(sandbox))
    did_id = sandbox.catalog.country("US")[0].did_id
    results: list[bool] = []

    def buy() -> None:
        with http(sandbox) as client:
            results.append(post(client, "/did/assign", token=token, did_id=did_id).json()["status"])

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == [False] * 7 + [True]
    assert len(sandbox.state.assignments) == 1


def test_served_over_http(sandbox: PbxmeSandbox) -> None:
    server = make_server({"pbxme": sandbox}, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        config = AccountConfig(
            name="served",
            kind="pbxme",
            base_url=server.base_url("pbxme"),
            currency="USD",
            credentials=CREDS,
            countries=("IE",),
        )
        adapter = PbxmeAdapter(config)
        assert adapter.check().balance == Decimal("500.00")
        groups = list(adapter.coverage())
        assert groups and all(g.country == "IE" for g in groups)
        adapter.close()
    finally:
        server.shutdown()
        server.server_close()


def test_available_body_is_the_json_of_the_dids() -> None:
    import json

    sandbox = PbxmeSandbox(credentials={"username": "u", "password": "p"}, scale=1)
    for code in ("US", "CA", "GB", "FR", "AU"):
        dids = [d.as_json() for d in sandbox.catalog.country(code)]
        expected = json.dumps(
            {"status": True, "dids": dids}, ensure_ascii=False, separators=(",", ":")
        ).encode()
        written = ",".join(d.json_text() for d in sandbox.catalog.country(code))
        assert f'{{"status":true,"dids":[{written}]}}'.encode() == expected
