"""Error bodies, retries, timeouts, broken answers and pagination, served with respx."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from inventory.providers import errors
from inventory.providers.idtexpress.adapter import IdtExpressAdapter
from inventory.providers.idtexpress.client import error_for

from .support import BASE, api, error, group_body

COUNTRIES = "/v1/dids/coverage/countries"
GROUPS = "/v1/dids/coverage/did_groups"
ORDERS = "/v1/dids/orders"
NUMBERS = "/v1/dids/numbers"
ONE_COUNTRY = {
    "countries": [{"name": "USA", "iso": "US", "has_regions": True, "supports_toll_free": True}],
    "meta": {"total": 1},
}


def _request(status: int, body: object, url: str = f"{BASE}{GROUPS}?country_iso=US", **headers):
    response = httpx.Response(status, json=body, headers=headers)
    response.request = httpx.Request("GET", url)
    return response


# --- the error object and its codes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "kind", "field"),
    [
        (422, 1000, errors.InvalidRequest, ""),
        (422, 1002, errors.InvalidRequest, ""),
        (404, 1003, errors.NotFound, ""),
        (403, 2000, errors.AuthFailed, ""),
        (429, 2001, errors.RateLimited, ""),
        (429, 2002, errors.RateLimited, ""),
        (403, 3000, errors.AuthFailed, ""),
        (422, 3001, errors.InsufficientFunds, ""),
        (422, 4000, errors.InvalidRequest, "toll_free"),
        (404, 4001, errors.NotFound, ""),
        (422, 4002, errors.InvalidRequest, "region_code"),
        (422, 4003, errors.InvalidRequest, "country_iso"),
        (422, 4004, errors.InvalidRequest, "did_group_id"),
    ],
)
def test_documented_error_codes(status: int, code: int, kind: type, field: str):
    failure = error_for(_request(status, error(status, code, "what went wrong")))
    assert type(failure) is kind
    assert failure.code == str(code)
    assert failure.status == status
    assert str(failure).startswith("IDT Express")
    if field:
        assert failure.field == field


def test_throttling_code_wins_over_http_status():
    failure = error_for(_request(422, error(422, 2002, "Throttled"), **{"Retry-After": "7"}))
    assert isinstance(failure, errors.RateLimited)
    assert failure.retry_after == 7.0
    assert failure.permanent is False


def test_missing_region_code_names_the_country():
    body = error(422, 1001, "region_code is missing", field="region_code")
    failure = error_for(_request(422, body))
    assert isinstance(failure, errors.InvalidRequest)
    assert failure.field == "region_code"
    assert str(failure) == "IDT Express: region_code is required for US"


def test_field_from_json_pointer_when_no_field():
    body = error(422, 1002, "Quantity must be greater than 0", source="/order_items/0/quantity")
    failure = error_for(_request(422, body, url=f"{BASE}{ORDERS}"))
    assert isinstance(failure, errors.InvalidRequest)
    assert failure.field == "quantity"


def test_bodies_that_are_not_the_error_object():
    assert isinstance(error_for(_request(401, None)), errors.AuthFailed)
    assert isinstance(error_for(_request(404, {"message": "nope"})), errors.NotFound)
    assert isinstance(error_for(_request(503, {"errors": "down"})), errors.Unavailable)
    html = httpx.Response(400, text="<html>bad</html>")
    assert isinstance(error_for(html), errors.InvalidRequest)


def test_region_code_missing_through_the_walk(adapter: IdtExpressAdapter, router: respx.MockRouter):
    router.get(COUNTRIES).mock(return_value=api(200, ONE_COUNTRY))
    router.get("/v1/dids/coverage/countries/US/regions").mock(
        return_value=api(200, {"regions": [{"name": "Alaska", "code": ""}], "meta": {}})
    )
    router.get(GROUPS).mock(
        return_value=api(422, error(422, 1001, "region_code is required", field="region_code"))
    )
    with pytest.raises(errors.InvalidRequest) as caught:
        list(adapter.coverage())
    # The region with an empty code is skipped as broken; the toll-free call has no region.
    assert str(caught.value) == "IDT Express: region_code is required for US"


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures(adapter: IdtExpressAdapter, router: respx.MockRouter, status: int):
    route = router.get(COUNTRIES).mock(return_value=api(status, error(status, 2000, "Denied")))
    with pytest.raises(errors.AuthFailed) as caught:
        adapter.check()
    assert "rejected the API key or secret" in str(caught.value)
    assert route.call_count == 1  # never retried


# --- retries -----------------------------------------------------------------------------------


def test_429_with_retry_after_is_retried(adapter: IdtExpressAdapter, router: respx.MockRouter):
    throttled = api(429, error(429, 2002, "Throttled"), **{"Retry-After": "1"})
    route = router.get(COUNTRIES).mock(side_effect=[throttled, api(200, ONE_COUNTRY)])
    assert adapter.check().ok is True
    assert route.call_count == 2


def test_429_until_attempts_run_out(adapter: IdtExpressAdapter, router: respx.MockRouter):
    throttled = api(429, error(429, 2002, "Throttled"), **{"Retry-After": "2"})
    route = router.get(COUNTRIES).mock(return_value=throttled)
    with pytest.raises(errors.RateLimited) as caught:
        adapter.check()
    assert caught.value.retry_after == 2.0
    assert route.call_count == 3


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_retried_for_reads(
    adapter: IdtExpressAdapter, router: respx.MockRouter, status: int
):
    route = router.get(COUNTRIES).mock(side_effect=[api(status, {}), api(200, ONE_COUNTRY)])
    assert adapter.check().ok is True
    assert route.call_count == 2


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ConnectError])
def test_transport_failures_are_retried_for_reads(
    adapter: IdtExpressAdapter, router: respx.MockRouter, exc: type[Exception]
):
    route = router.get(COUNTRIES).mock(side_effect=[exc("boom"), api(200, ONE_COUNTRY)])
    assert adapter.check().ok is True
    assert route.call_count == 2


def test_read_timeouts_until_attempts_run_out(adapter: IdtExpressAdapter, router: respx.MockRouter):
    route = router.get(COUNTRIES).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(errors.Unavailable, match="did not answer in time"):
        adapter.check()
    assert route.call_count == 3


def test_malformed_json_is_unavailable(adapter: IdtExpressAdapter, router: respx.MockRouter):
    router.get(COUNTRIES).mock(return_value=api(200, text='{"countries": ['))
    with pytest.raises(errors.Unavailable, match="not JSON"):
        adapter.check()


def test_broken_records_are_skipped_not_fatal(
    adapter: IdtExpressAdapter, router: respx.MockRouter, caplog: pytest.LogCaptureFixture
):
    countries = {
        "countries": [
            {"name": "BRAZIL", "iso": "BR", "has_regions": False, "supports_toll_free": False},
            {"name": "Nowhere", "iso": 7},
        ],
        "meta": {"total": 2},
    }
    broken = group_body(1, fees={"monthly_fee": "3.00"})  # no setup_fee
    rows = [group_body(2), broken, "junk", group_body(3, id=None), group_body(4)]
    router.get(COUNTRIES).mock(return_value=api(200, countries))
    router.get(GROUPS).mock(return_value=api(200, {"did_groups": rows, "meta": {"total": 5}}))
    with caplog.at_level(logging.WARNING, logger="didhub.providers"):
        records = list(adapter.coverage())
    assert [r.external_id for r in records] == ["2", "4"]
    assert records[0].city == "SALVADOR"  # trailing space stripped
    assert records[0].area_prefix == "71" and records[0].nxx == ""
    assert sum("skipped a record" in m for m in caplog.messages) == 4


def test_region_not_offered_is_skipped(adapter: IdtExpressAdapter, router: respx.MockRouter):
    router.get(COUNTRIES).mock(return_value=api(200, ONE_COUNTRY))
    router.get("/v1/dids/coverage/countries/US/regions").mock(
        return_value=api(
            200,
            {"regions": [{"name": "Guam", "code": "US-GU"}, {"name": "Ohio", "code": "US-OH"}]},
        )
    )

    def groups(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if params.get("region_code") == "US-GU":
            return api(422, error(422, 4002, "Region Not Offered"))
        if params.get("toll_free") == "true":
            return api(422, error(422, 4000, "Toll-Free Number Not Offered"))
        body = group_body(9, country_calling_code="1", area_code="614", nxx="555")
        body["name"] = "COLUMBUS (614) 555"
        body["region"] = {"name": "Ohio", "code": "US-OH"}
        body["country"] = ONE_COUNTRY["countries"][0]
        return api(200, {"did_groups": [body], "meta": {"total": 1}})

    router.get(GROUPS).mock(side_effect=groups)
    records = list(adapter.coverage())
    assert [(r.external_id, r.region_code, r.npa, r.nxx) for r in records] == [
        ("9", "US-OH", "614", "555")
    ]


# --- pagination --------------------------------------------------------------------------------


def _number_row(n: int) -> dict:
    return {
        "number": f"0111212555{n:04d}",
        "status": "active",
        "added_at": "2020-06-24T19:02:30.000Z",
        "did_group": group_body(1, country_calling_code="1", area_code="212", nxx="555"),
    }


def test_pages_until_total_even_after_a_short_page(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    sizes = {1: 100, 2: 37, 3: 100, 4: 13}  # page 2 is shorter than asked, more follow
    start = {1: 0, 2: 100, 3: 137, 4: 237}

    def numbers(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        rows = [_number_row(start[page] + i) for i in range(sizes[page])]
        return api(200, {"numbers": rows, "meta": {"page": page, "page_size": 100, "total": 250}})

    route = router.get(NUMBERS).mock(side_effect=numbers)
    owned = list(adapter.owned_numbers())
    assert len(owned) == 250
    assert len({n.number for n in owned}) == 250
    assert owned[-1].number == "+12125550249"
    assert route.call_count == 4
    assert [c.request.url.params["page_size"] for c in route.calls] == ["100"] * 4


def test_pages_stop_at_an_empty_page(adapter: IdtExpressAdapter, router: respx.MockRouter):
    def numbers(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        rows = [_number_row(page * 100 + i) for i in range(100)] if page <= 2 else []
        return api(200, {"numbers": rows, "meta": {"page": page, "page_size": 100}})

    route = router.get(NUMBERS).mock(side_effect=numbers)
    assert len(list(adapter.owned_numbers())) == 200
    assert route.call_count == 3


def test_pages_stop_when_the_server_ignores_page(
    adapter: IdtExpressAdapter, router: respx.MockRouter
):
    body = {"numbers": [_number_row(1)], "meta": {"page": 1, "page_size": 1, "total": 5}}
    route = router.get(NUMBERS).mock(return_value=api(200, body))
    assert len(list(adapter.owned_numbers())) == 1
    assert route.call_count == 2
