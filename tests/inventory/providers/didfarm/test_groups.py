"""Group ids: the documented format, round trips, NANP regions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.providers.didfarm import groups
from inventory.providers.didfarm.wire import SearchNumber
from inventory.providers.types import Feature, NumberType


@pytest.mark.parametrize(
    ("number", "country", "kind", "city", "expected"),
    [
        ("+12125551234", "US", NumberType.LOCAL, "New York", "US:local:212-555:New York"),
        ("+18005550100", "US", NumberType.TOLL_FREE, "", "US:toll_free:800:"),
        ("+31201234567", "NL", NumberType.LOCAL, "Amsterdam", "NL:local::Amsterdam"),
        ("+442079460831", "GB", NumberType.LOCAL, "", "GB:local:20:"),
        ("+4915112345678", "DE", NumberType.MOBILE, "", "DE:mobile::"),
        ("+4915112345678", "DE", NumberType.MOBILE, "Berlin", "DE:mobile::"),
    ],
)
def test_key_for(number: str, country: str, kind: NumberType, city: str, expected: str) -> None:
    key = groups.key_for(number, country, kind, city)
    assert key.external_id == expected
    assert groups.parse_external_id(expected) == key
    assert key.matches(number, city)


def test_matches_filters_by_prefix_and_city() -> None:
    key = groups.parse_external_id("US:local:212-555:New York")
    assert key.matches("+12125550000", "new york")
    assert not key.matches("+12125560000", "New York")
    assert not key.matches("+12125550000", "Newark")


@pytest.mark.parametrize(
    "bad", ["", "US", "US:local", "USA:local:1:", "US:landline::", "US:local:abc:", "1:local::"]
)
def test_parse_refuses_foreign_ids(bad: str) -> None:
    with pytest.raises(ValueError):
        groups.parse_external_id(bad)


def test_city_may_contain_a_colon() -> None:
    key = groups.parse_external_id("FR:local::Saint-Denis:Réunion")
    assert key.city == "Saint-Denis:Réunion"


def test_nanp_region() -> None:
    assert groups.nanp_region("212-555", "US") == ("US-NY", "New York")
    assert groups.nanp_region("416-555", "CA") == ("CA-ON", "Ontario")
    assert groups.nanp_region("800-555", "US") == ("", "")


def _found(number: str, city: str = "New York", monthly: str = "1.00") -> SearchNumber:
    return SearchNumber(
        number=number,
        country="US",
        number_type=NumberType.LOCAL,
        city=city,
        monthly=Decimal(monthly),
        setup=Decimal("0"),
        features=frozenset({Feature.VOICE}),
        requires_regulatory=False,
    )


def test_fold_yields_an_exchange_as_soon_as_it_is_complete() -> None:
    consumed: list[str] = []

    def search():
        for number in ("+12125550001", "+12125550002", "+12125560001", "+12125570001"):
            consumed.append(number)
            yield _found(number, monthly="3.00" if number.endswith("2") else "1.00")

    stream = groups.fold(search())
    first = next(stream)
    assert first.external_id == "US:local:212-555:New York"
    assert first.available_count == 2
    assert first.skus[0].monthly_price == Decimal("1.00")  # the cheaper of the two
    assert len(consumed) == 3  # yielded before the search was walked to the end
    assert [r.external_id for r in stream] == [
        "US:local:212-556:New York",
        "US:local:212-557:New York",
    ]


def test_fold_detects_disorder_and_can_buffer_instead() -> None:
    numbers = [_found("+12125560001"), _found("+12125550001"), _found("+12125560002")]
    with pytest.raises(groups.Unordered):
        list(groups.fold(iter(numbers)))
    records = {r.external_id: r.available_count for r in groups.fold(numbers, ordered=False)}
    assert records == {"US:local:212-555:New York": 1, "US:local:212-556:New York": 2}
