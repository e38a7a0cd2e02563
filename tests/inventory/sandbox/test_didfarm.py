"""The DIDfarm simulator over raw HTTP: shapes, auth, paging, wallet, checkout, portal, SMS."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from decimal import Decimal

import httpx
import pytest

from inventory.sandbox import didfarm_catalog
from inventory.sandbox.didfarm import DidfarmSandbox

KEY = "df_live_sandbox"
BASE = "https://didfarm.com/api/v1"


def _sandbox(**kwargs) -> DidfarmSandbox:
    credentials = {"api_key": KEY, "read_only_api_key": "df_ro", "webhook_secret": "whsec_s"}
    return DidfarmSandbox(credentials=credentials, **kwargs)


def _client(sandbox: DidfarmSandbox, key: str = KEY) -> httpx.Client:
    return httpx.Client(
        base_url=BASE, transport=sandbox.transport(), headers={"Authorization": f"Bearer {key}"}
    )


@pytest.fixture
def sandbox() -> DidfarmSandbox:
    return _sandbox()


@pytest.fixture
def http(sandbox: DidfarmSandbox) -> httpx.Client:
    return _client(sandbox)


def _search(client: httpx.Client, **params) -> dict:
    response = client.get("/numbers/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _checkout(client: httpx.Client, *numbers: str, **extra) -> httpx.Response:
    items = [{"number": n} for n in numbers]
    return client.post("/wallet/checkout", json={"items": items, **extra})


def _balance(client: httpx.Client) -> Decimal:
    return Decimal(client.get("/wallet/balance").json()["balance"])


def test_construction_builds_nothing_up_front(sandbox: DidfarmSandbox) -> None:
    assert sandbox.state.stock == {}
    assert sandbox.state.balance == Decimal("500.00")
    assert sandbox.base_path == "/api/v1"


def test_same_seed_same_catalog_other_seed_other() -> None:
    one = _search(_client(_sandbox(seed=3)), country="US", type="local", limit=100)
    two = _search(_client(_sandbox(seed=3)), country="US", type="local", limit=100)
    other = _search(_client(_sandbox(seed=4)), country="US", type="local", limit=100)
    assert one == two
    assert one["data"] != other["data"]


def test_scale_multiplies_volume() -> None:
    small = _search(_client(_sandbox(scale=1)), country="US", type="local")["meta"]["total"]
    large = _search(_client(_sandbox(scale=3)), country="US", type="local")["meta"]["total"]
    assert 2.5 * small < large < 3.5 * small
    exchanges = {
        o.number[:8] for o in didfarm_catalog.generate(seed=1, scale=1, country="US", kind="local")
    }
    assert len(exchanges) == didfarm_catalog.US_EXCHANGES_PER_SCALE


def test_search_record_has_the_connect_shape(http: httpx.Client) -> None:
    body = _search(http, country="NL", type="local", city="Amsterdam")
    assert set(body["meta"]) == {"total", "page"}
    record = body["data"][0]
    assert set(record) == {
        "number",
        "country",
        "type",
        "city",
        "monthly_rate",
        "setup_fee",
        "sms_enabled",
        "requires_regulatory",
    }
    assert record["city"] == "Amsterdam" and record["number"].startswith("+3120")
    assert isinstance(record["monthly_rate"], int)  # EUR cents


def test_older_parameter_names_work(http: httpx.Client) -> None:
    new = _search(http, country="GB", type="mobile")
    old = _search(http, country_code="GB", number_type="mobile")
    assert new == old and new["meta"]["total"] > 0


def test_paging_follows_meta_total(http: httpx.Client) -> None:
    total = _search(http, country="US", type="local", limit=1)["meta"]["total"]
    seen: list[str] = []
    page = 1
    while len(seen) < total:
        body = _search(http, country="US", type="local", page=page, limit=100)
        assert len(body["data"]) <= 100
        assert body["meta"] == {"total": total, "page": page}
        seen += [r["number"] for r in body["data"]]
        page += 1
    assert len(seen) == len(set(seen)) == total
    assert _search(http, country="US", type="local", page=page, limit=100)["data"] == []
    assert len(_search(http, country="US", type="local", limit=500)["data"]) == 100


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "local"}, "The country field is required."),
        ({"country": "NL"}, "The type field is required."),
        ({"country": "NL", "type": "landline"}, "The selected type is invalid."),
        (
            {"country": "NLD", "type": "local"},
            "The country must be a valid ISO 3166-1 alpha-2 code.",
        ),
        ({"country": "NL", "type": "local", "page": "x"}, "The page must be an integer."),
    ],
)
def test_search_validation(http: httpx.Client, params: dict, message: str) -> None:
    response = http.get("/numbers/search", params=params)
    assert response.status_code == 422
    assert response.json() == {
        "error": {"code": "validation_error", "message": message, "status": 422}
    }


def test_unsold_country_is_empty(http: httpx.Client) -> None:
    assert _search(http, country="ZZ", type="local") == {
        "data": [],
        "meta": {"total": 0, "page": 1},
    }


def test_auth(sandbox: DidfarmSandbox) -> None:
    anonymous = httpx.Client(base_url=BASE, transport=sandbox.transport())
    for response in (
        anonymous.get("/wallet/balance"),
        _client(sandbox, "df_live_wrong").get("/wallet/balance"),
        anonymous.get("/nowhere"),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    read_only = _client(sandbox, "df_ro")
    assert read_only.get("/wallet/balance").status_code == 200
    refused = read_only.post("/portal/sip-trunks", json={"name": "x"})
    assert refused.status_code == 403
    assert refused.json()["error"]["status"] == 403
    assert sandbox.state.trunks == {}


def test_routes_methods_and_bodies(http: httpx.Client) -> None:
    assert http.get("/nowhere").status_code == 404
    assert http.put("/wallet/checkout").status_code == 405
    broken = http.post("/wallet/checkout", content=b"{nope")
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "bad_request"
    legacy_base = http.get("https://api.didfarm.com/v1/wallet/balance")
    assert legacy_base.status_code == 200


def test_checkout_debits_and_records(sandbox: DidfarmSandbox, http: httpx.Client) -> None:
    offers = _search(http, country="US", type="local", limit=2)["data"]
    numbers = [o["number"] for o in offers]
    cost = sum(o["monthly_rate"] + o["setup_fee"] for o in offers)
    response = _checkout(http, *numbers, metadata={"reference": "r1"})
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["total"] == cost
    assert [i["number"] for i in data["items"]] == numbers
    assert all(i["status"] == "provisioning" for i in data["items"])
    assert _balance(http) == Decimal("500.00") - Decimal(cost) / 100
    txn = http.get("/wallet/transactions").json()["data"][0]
    assert txn["reference_type"] == "order" and txn["reference_id"] == data["order_id"]
    assert txn["amount"] == -cost and txn["metadata"] == {"reference": "r1"}
    remaining = {r["number"] for r in _search(http, country="US", type="local", limit=100)["data"]}
    assert not remaining & set(numbers)
    assert sandbox.is_purchase(response.request)


def test_checkout_is_atomic(sandbox: DidfarmSandbox, http: httpx.Client) -> None:
    good = _search(http, country="NL", type="mobile", limit=1)["data"][0]["number"]
    response = _checkout(http, good, "+31699999999")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "number_unavailable"
    assert _balance(http) == Decimal("500.00")
    assert sandbox.state.orders == {} and sandbox.state.taken == set()
    assert _checkout(http, good).status_code == 201
    again = _checkout(http, good)
    assert again.status_code == 422 and again.json()["error"]["code"] == "number_unavailable"


def test_checkout_refuses_without_funds() -> None:
    sandbox = _sandbox(balance=Decimal("0.50"))
    client = _client(sandbox)
    number = _search(client, country="GB", type="toll_free", limit=1)["data"][0]["number"]
    response = _checkout(client, number)
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "insufficient_balance",
            "message": "Wallet balance too low for this purchase.",
            "status": 422,
        }
    }
    assert _balance(client) == Decimal("0.50")


def test_checkout_validation(http: httpx.Client) -> None:
    assert http.post("/wallet/checkout", json={"items": []}).status_code == 422
    number = _search(http, country="NL", type="local", limit=1)["data"][0]["number"]
    duplicate = _checkout(http, number, number)
    assert "duplicate" in duplicate.json()["error"]["message"]
    cycle = http.post(
        "/wallet/checkout", json={"items": [{"number": number, "billing_cycle": "weekly"}]}
    )
    assert cycle.status_code == 422


def test_fulfilment_after_polls_and_signed_webhooks() -> None:
    sandbox = _sandbox(fulfil_after_polls=1)
    client = _client(sandbox)
    number = _search(client, country="US", type="local", limit=1)["data"][0]["number"]
    _checkout(client, number)
    statuses = [client.get("/numbers").json()["data"][0]["status"] for _ in range(2)]
    assert statuses == ["provisioning", "active"]
    (delivery,) = sandbox.state.webhooks_due
    expected = hmac.new(b"whsec_s", delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["X-DIDfarm-Signature"] == expected
    payload = json.loads(delivery.body)
    assert payload["event"] == "number.activated" and payload["data"]["number"] == number
    assert set(payload) == {"event", "timestamp", "data"}


def test_fulfilment_after_seconds() -> None:
    sandbox = _sandbox(fulfil_after_seconds=3600)
    client = _client(sandbox)
    number = _search(client, country="US", type="local", limit=1)["data"][0]["number"]
    _checkout(client, number)
    for _ in range(3):
        assert client.get("/numbers").json()["data"][0]["status"] == "provisioning"


def test_trunks_routing_messages_release(sandbox: DidfarmSandbox, http: httpx.Client) -> None:
    number = _search(http, country="US", type="local", limit=1)["data"][0]["number"]
    did_id = _checkout(http, number).json()["data"]["items"][0]["did_number_id"]
    http.get("/numbers")  # provisioned

    created = http.post("/portal/sip-trunks", json={"name": "Acme Corp", "auth_type": "digest"})
    assert created.status_code == 201
    trunk = created.json()["data"]
    assert trunk["uuid"].startswith("trk_") and trunk["password"]
    listed = http.get("/portal/sip-trunks").json()["data"]
    assert "password" not in listed[0]
    regenerated = http.post(f"/portal/sip-trunks/{trunk['uuid']}/regenerate-credentials")
    assert regenerated.json()["data"]["password"] != trunk["password"]

    routed = http.post(
        "/portal/did-routing", json={"did_number_id": did_id, "sip_trunk_id": trunk["id"]}
    )
    assert routed.status_code == 200
    assert http.get("/numbers").json()["data"][0]["sip_trunk_id"] == trunk["id"]
    missing = http.post("/portal/did-routing", json={"did_number_id": did_id, "sip_trunk_id": 99})
    assert missing.status_code == 404

    before = _balance(http)
    sent = http.post(
        "/messages/send", json={"from": number, "to": "+31687654321", "body": "x" * 161}
    )
    assert sent.status_code == 201 and sent.json()["data"]["cost"] == 16  # two segments
    assert _balance(http) == before - Decimal("0.16")
    assert sandbox.is_purchase(sent.request)
    bad_to = http.post("/messages/send", json={"from": number, "to": "12", "body": "hi"})
    assert bad_to.status_code == 422

    released = http.delete(f"/numbers/{did_id}")
    assert released.json()["data"]["status"] == "released"
    assert http.delete(f"/numbers/{did_id}").json()["error"]["code"] == "number_released"
    assert http.delete("/numbers/12345").status_code == 404
    # The text sent above is answered by the simulator's auto-reply (didfarm_messages.py).
    assert [w.event for w in sandbox.state.webhooks_due] == [
        "number.activated",
        "message.received",
        "number.released",
    ]


def test_sms_needs_an_sms_number(http: httpx.Client) -> None:
    number = _search(http, country="GB", type="local", limit=1)["data"][0]["number"]
    _checkout(http, number)
    http.get("/numbers")
    response = http.post("/messages/send", json={"from": number, "to": "+31687654321", "body": "a"})
    assert response.json()["error"]["code"] == "sms_not_supported"


def test_concurrent_checkouts_of_one_number_sell_it_once(sandbox: DidfarmSandbox) -> None:
    number = _search(_client(sandbox), country="US", type="local", limit=1)["data"][0]["number"]
    answers: list[int] = []

    def buy() -> None:
        answers.append(_checkout(_client(sandbox), number).status_code)

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(answers) == [201] + [422] * 7
    assert len(sandbox.state.orders) == 1


def test_error_response_shape(sandbox: DidfarmSandbox) -> None:
    response = sandbox.error_response(503, "Service unavailable")
    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "service_unavailable", "message": "Service unavailable", "status": 503}
    }


def test_search_pages_are_encoded_as_httpx_encodes_json() -> None:
    from inventory.sandbox.didfarm_state import page_of, page_text

    offers = didfarm_catalog.generate(seed=3, scale=1, country="FR", kind="local")
    offers.append(offers[0]._replace(number='+33"1', city=None))  # escaping, null city
    for page in (1, 2, 99):
        expected = httpx.Response(
            200, json=page_of(offers, page, 20, didfarm_catalog.Offer.to_json)
        )
        encoded = page_text(offers, page, 20, didfarm_catalog.Offer.json_text).encode()
        assert encoded == expected.content


def test_possible_check_is_the_parsers_answer() -> None:
    import phonenumbers

    from inventory.sandbox import geo

    for spec in geo.COUNTRIES:
        for prefix in list(spec.prefixes("mobile"))[:3] + [p for _, p, _ in spec.cities[:3]]:
            for number in geo.sample_numbers(
                seed=5, calling_code=spec.calling_code, prefix=prefix, count=20,
                length=spec.nsn_length(prefix),
            ):  # fmt: skip
                slow = phonenumbers.is_possible_number(phonenumbers.parse(number, None))
                assert didfarm_catalog.is_possible(number, spec.calling_code) == slow, number
