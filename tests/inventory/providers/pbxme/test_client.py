"""PbxmeClient against document-shaped answers and the fault cases (respx)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from inventory.providers import errors
from inventory.providers.http import READ_ATTEMPTS
from inventory.providers.pbxme.client import PbxmeClient, classify, error_for

from . import doc_examples as doc
from .conftest import make_config


def form(request: httpx.Request) -> dict[str, str]:
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    return {k: v[-1] for k, v in parse_qs(request.content.decode()).items()}


# --- the documented flow -------------------------------------------------------------------


def test_login_is_lazy_and_the_token_is_cached(api: respx.MockRouter, pbx: PbxmeClient) -> None:
    login = api.post("/login").respond(json=doc.LOGIN)
    balance = api.post("/balance").respond(json=doc.BALANCE)
    assert login.call_count == 0  # nothing sent before the first call
    assert pbx.balance() == Decimal("123.45")
    assert pbx.balance() == Decimal("123.45")
    assert login.call_count == 1
    assert form(login.calls.last.request) == {
        "username": "YOUR_USERNAME",
        "password": "YOUR_PASSWORD",
    }
    assert [form(c.request) for c in balance.calls] == [{"token": "d0c-t0ken-1"}] * 2


def test_available_assign_forward_list_release(api: respx.MockRouter, pbx: PbxmeClient) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    available = api.post("/did/available").respond(json=doc.AVAILABLE_FR)
    assign = api.post("/did/assign").respond(json=doc.ASSIGN)
    forward = api.post("/did/forward").respond(json=doc.FORWARD)
    listing = api.post("/did/list").respond(json=doc.LIST)
    release = api.post("/did/release").respond(json=doc.RELEASE)

    rows = pbx.available("FR")
    assert [r["did_id"] for r in rows] == [501, 502, "503", 504, 505]
    assert form(available.calls.last.request) == {"token": "d0c-t0ken-1", "country": "FR"}
    assert pbx.assign("501")["status"] is True
    assert form(assign.calls.last.request) == {"token": "d0c-t0ken-1", "did_id": "501"}
    pbx.forward("501", "+33612345678", "pstn")
    assert form(forward.calls.last.request) == {
        "token": "d0c-t0ken-1",
        "did_id": "501",
        "destination": "+33612345678",
        "type": "pstn",
    }
    assert [r["did_number"] for r in pbx.owned()] == ["0033153110098", "0012125550123"]
    assert form(listing.calls.last.request) == {"token": "d0c-t0ken-1"}
    pbx.release("501")
    assert form(release.calls.last.request) == {"token": "d0c-t0ken-1", "did_id": "501"}


def test_type_list(api: respx.MockRouter, pbx: PbxmeClient) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    api.post("/did/type-list").respond(json=doc.TYPE_LIST)
    assert [t.name for t in pbx.type_list()] == [
        "Landline",
        "Mobile Voice",
        "Mobile SMS",
        "Voice+SMS",
    ]


def test_missing_or_null_dids_is_an_empty_result(api: respx.MockRouter, pbx: PbxmeClient) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    api.post("/did/available").respond(json={"status": True, "dids": None})
    assert pbx.available("FR") == []


# --- the login token ---------------------------------------------------------------------------


def test_wrong_credentials_answered_200_are_auth_failed(
    api: respx.MockRouter, pbx: PbxmeClient
) -> None:
    login = api.post("/login").respond(json=doc.BAD_LOGIN)
    with pytest.raises(errors.AuthFailed, match=r"PBXme rejected.*Invalid username or password"):
        pbx.balance()
    assert login.call_count == 1  # bad credentials: no second login


def test_no_credentials_configured() -> None:
    c = PbxmeClient(make_config(credentials={}))
    with pytest.raises(errors.AuthFailed, match="no username/password"):
        c.balance()


@pytest.mark.parametrize(
    "expired",
    [
        httpx.Response(401, json={"status": False, "error": "Invalid token"}),
        httpx.Response(200, json=doc.TOKEN_EXPIRED),
    ],
    ids=["http-401", "status-false-200"],
)
def test_expired_token_logs_in_once_and_repeats(
    api: respx.MockRouter, pbx: PbxmeClient, expired: httpx.Response
) -> None:
    login = api.post("/login").mock(
        side_effect=[httpx.Response(200, json=doc.LOGIN), httpx.Response(200, json=doc.LOGIN_AGAIN)]
    )
    balance = api.post("/balance").mock(
        side_effect=[
            httpx.Response(200, json=doc.BALANCE),
            expired,
            httpx.Response(200, json=doc.BALANCE),
        ]
    )
    assert pbx.balance() == Decimal("123.45")
    assert pbx.balance() == Decimal("123.45")  # the token expired in between
    assert login.call_count == 2
    assert [form(c.request)["token"] for c in balance.calls] == [
        "d0c-t0ken-1",
        "d0c-t0ken-1",
        "d0c-t0ken-2",
    ]


def test_second_auth_failure_is_auth_failed(api: respx.MockRouter, pbx: PbxmeClient) -> None:
    login = api.post("/login").mock(
        side_effect=[httpx.Response(200, json=doc.LOGIN), httpx.Response(200, json=doc.LOGIN_AGAIN)]
    )
    balance = api.post("/balance").respond(json=doc.TOKEN_EXPIRED)
    with pytest.raises(errors.AuthFailed, match="freshly issued token"):
        pbx.balance()
    assert login.call_count == 2
    assert balance.call_count == 2  # once with each token, never a third time


def test_assign_repeats_after_an_auth_rejection_only(
    api: respx.MockRouter, pbx: PbxmeClient
) -> None:
    api.post("/login").mock(
        side_effect=[httpx.Response(200, json=doc.LOGIN), httpx.Response(200, json=doc.LOGIN_AGAIN)]
    )
    assign = api.post("/did/assign").mock(
        side_effect=[
            httpx.Response(401, json=doc.TOKEN_EXPIRED),
            httpx.Response(200, json=doc.ASSIGN),
        ]
    )
    assert pbx.assign("501")["did_id"] == 501
    assert assign.call_count == 2


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("lost"),
        httpx.ConnectError("reset"),
        httpx.Response(502, json={"status": False, "error": "Bad gateway"}),
        httpx.Response(500, text="<html>oops</html>"),
        httpx.Response(200, text="<html>done?</html>"),
    ],
    ids=["read-timeout", "connect-error", "502", "500-html", "200-html"],
)
def test_assign_never_repeats_an_unknown_outcome(
    api: respx.MockRouter, pbx: PbxmeClient, failure: object
) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    assign = api.post("/did/assign").mock(
        side_effect=[failure, httpx.Response(200, json=doc.ASSIGN)]
    )
    with pytest.raises(errors.OutcomeUnknown, match="PBXme"):
        pbx.assign("501")
    assert assign.call_count == 1


# --- error bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected", "field"),
    [
        (doc.NO_BALANCE, errors.InsufficientFunds, None),
        (doc.GONE, errors.NotFound, None),
        (doc.BAD_COUNTRY, errors.InvalidRequest, "country"),
        ({"status": False, "error": "Missing parameter: did_id"}, errors.InvalidRequest, "did_id"),
        (doc.HOURLY, errors.RateLimited, None),
        ({"status": "false", "error": "Something odd"}, errors.InvalidRequest, ""),
        ({"status": False}, errors.InvalidRequest, ""),
    ],
)
def test_status_false_bodies_map_to_typed_errors(
    api: respx.MockRouter, pbx: PbxmeClient, body: dict, expected: type, field: str | None
) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    route = api.post("/did/available").respond(json=body)
    with pytest.raises(expected) as caught:
        pbx.available("FR")
    assert "PBXme" in str(caught.value)
    if field is not None:
        assert caught.value.field == field
    assert route.call_count == 1  # a body-level refusal is not retried


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (403, {"status": False, "error": "Access denied"}, errors.AuthFailed),
        (400, {"status": False, "error": "Invalid parameter: type"}, errors.InvalidRequest),
        (422, {"status": False, "error": "Insufficient balance"}, errors.InsufficientFunds),
        (404, {"status": False, "error": "Not found"}, errors.NotFound),
        (402, {"error": "Payment required"}, errors.InsufficientFunds),
        (503, {"status": False, "error": "Maintenance"}, errors.Unavailable),
        (429, {"status": False, "error": "Too many requests"}, errors.RateLimited),
    ],
)
def test_http_errors(status: int, body: dict, expected: type) -> None:
    error = error_for(httpx.Response(status, json=body))
    assert type(error) is expected
    assert error.message.startswith("PBXme")
    assert error.status == status


def test_classify_prefers_limit_and_funds_over_auth_words() -> None:
    assert isinstance(
        classify("Hourly limit for this token reached", status=200), errors.RateLimited
    )
    assert isinstance(classify("Insufficient balance", status=200), errors.InsufficientFunds)
    assert isinstance(classify("Session expired", status=200), errors.AuthFailed)


# --- retries of reads ----------------------------------------------------------------------------


def test_429_with_retry_after_is_retried(api: respx.MockRouter, pbx: PbxmeClient) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    route = api.post("/balance").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}, json=doc.HOURLY),
            httpx.Response(200, json=doc.BALANCE),
        ]
    )
    assert pbx.balance() == Decimal("123.45")
    assert route.call_count == 2


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_on_reads_is_retried(api: respx.MockRouter, pbx: PbxmeClient, status: int) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    route = api.post("/did/available").mock(
        side_effect=[httpx.Response(status), httpx.Response(200, json=doc.AVAILABLE_FR)]
    )
    assert len(pbx.available("FR")) == 5
    assert route.call_count == 2


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow")])
def test_timeouts_on_reads_retry_then_give_up(
    api: respx.MockRouter, pbx: PbxmeClient, exc: Exception
) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    route = api.post("/did/list").mock(side_effect=exc)
    with pytest.raises(errors.Unavailable, match="PBXme did not answer in time"):
        pbx.owned()
    assert route.call_count == READ_ATTEMPTS


def test_login_timeout_then_success(api: respx.MockRouter, pbx: PbxmeClient) -> None:
    api.post("/login").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json=doc.LOGIN)]
    )
    api.post("/balance").respond(json=doc.BALANCE)
    assert pbx.balance() == Decimal("123.45")


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"status": True, "dids": "nope"}),
    ],
    ids=["html", "array", "dids-not-list"],
)
def test_malformed_answers_are_unavailable(
    api: respx.MockRouter, pbx: PbxmeClient, response: httpx.Response
) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    api.post("/did/available").mock(return_value=response)
    with pytest.raises(errors.Unavailable, match="PBXme"):
        pbx.available("FR")


def test_login_answer_without_token(api: respx.MockRouter, pbx: PbxmeClient) -> None:
    api.post("/login").respond(json={"status": True})
    with pytest.raises(errors.Unavailable, match="unexpected login answer"):
        pbx.balance()


def test_bad_balance_is_unavailable(api: respx.MockRouter, pbx: PbxmeClient) -> None:
    api.post("/login").respond(json=doc.LOGIN)
    api.post("/balance").respond(json={"status": True, "balance": "lots"})
    with pytest.raises(errors.Unavailable, match="balance"):
        pbx.balance()
