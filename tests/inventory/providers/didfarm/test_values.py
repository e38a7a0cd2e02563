"""The cheap normalisers of search records give exactly what the shared normalisers give."""

from __future__ import annotations

import random
from decimal import Decimal

import phonenumbers
import pytest

from inventory.providers.didfarm import groups, nanp_regions, values, wire
from inventory.providers.normalize import cents_to_decimal, number_type, to_decimal, to_e164
from inventory.providers.types import NumberType


def _reference(text: str) -> str | type[ValueError]:
    try:
        return to_e164(text)
    except ValueError:
        return ValueError


def _candidates() -> list[str]:
    rng = random.Random("didfarm-e164")
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    found = []
    for code in codes:
        for length in range(4, 15):
            for lead in ("0", "1", "8", "9", ""):
                digits = lead + "".join(rng.choice("0123456789") for _ in range(length))
                found.append(f"+{code}{digits[:length]}")
    return found


def test_e164_matches_to_e164_for_numbers_of_every_calling_code() -> None:
    for text in _candidates():
        try:
            got: str | type[ValueError] = values.e164(text)
        except ValueError:
            got = ValueError
        assert got == _reference(text), text


@pytest.mark.parametrize(
    "raw", [" +1 212 555 0100", "+44 20 7946 0831", "+447", "+0123", "", None, "+4401234567890"]
)
def test_e164_of_written_numbers(raw: object) -> None:
    expected = _reference(str(raw or ""))
    if expected is ValueError:
        with pytest.raises(ValueError):
            values.e164(raw)
    else:
        assert values.e164(raw) == expected


def test_memoised_values_are_the_normalisers_answers() -> None:
    for cents in (0, 1, 150, 99_999, -5):
        assert values.cents(cents) == cents_to_decimal(cents)
        assert str(values.cents(cents)) == str(cents_to_decimal(cents))
    for text in ("2.00", "1,50", "0.5"):
        assert str(values.decimal(text)) == str(to_decimal(text))
    for word in ("local", "Toll-free", "TOLLFREE", "shared_cost"):
        assert values.kind_of(word) is number_type(word)
    with pytest.raises(ValueError):
        values.cents(True)
    with pytest.raises(ValueError):
        values.kind_of("landline")
    assert values.country_code(" nl") == "NL" and values.country_code(None) == ""


def test_parser_still_refuses_what_it_refused() -> None:
    parse = wire.search_number_parser("US", NumberType.LOCAL)
    good = {"number": "+12125550100", "monthly_rate": 150, "setup_fee": 0}
    assert parse(good).monthly == Decimal("1.50")
    for bad in (
        {**good, "monthly_rate": -1},
        {**good, "monthly_rate": True},
        {"number": "+12125550100"},
        {**good, "number": "+1212"},
        {**good, "type": "landline"},
        {**good, "available": False},
    ):
        with pytest.raises((wire.WireError, ValueError)):
            parse(bad)


def test_groups_at_equal_but_differently_written_prices_keep_their_own() -> None:
    one, one_00 = Decimal("1.0"), Decimal("1.00")
    assert str(groups._skus(one, one)[0].monthly_price) == "1.0"
    assert str(groups._skus(one_00, one_00)[0].monthly_price) == "1.00"
    assert groups._skus(one, one) is groups._skus(one, one)


def test_region_table_is_what_the_geocoder_data_says() -> None:
    """Fails after a phonenumbers/pycountry upgrade: regenerate nanp_region_data.py (see there)."""
    from inventory.providers.didfarm import nanp_region_data

    assert (
        nanp_regions.render(nanp_regions.build()).split('TABLE = """')[1]
        == (
            nanp_region_data.__loader__.get_source(nanp_region_data.__name__).split('TABLE = """')[
                1
            ]
        )
    )


@pytest.mark.parametrize("country", ["US", "CA"])
def test_region_table_answers_as_the_geocoder(country: str) -> None:
    rng = random.Random(country)
    tricky = [
        f"{npa}{nxx:03d}"
        for npa in ("201", "203", "206", "360", "902")
        for nxx in range(0, 1000, 7)
    ]
    sample = [f"{rng.randrange(200, 1000)}{rng.randrange(1000):03d}" for _ in range(3000)]
    for digits in tricky + sample:
        assert nanp_regions.region_code(digits, country) == nanp_regions.geocoded(digits, country)


def test_nanp_region_other_nanp_countries_ask_the_geocoder() -> None:
    code = nanp_regions.geocoded("787555", "PR")
    assert groups.nanp_region("787-555", "PR") == (
        (code, nanp_regions.subdivision_name(code)) if code else ("", "")
    )
    assert groups.nanp_region("939-343", "US") == ("US-PR", "Puerto Rico")  # no area data
    assert groups.nanp_region("212-555", "US") == ("US-NY", "New York")
    assert groups.nanp_region("abc-def", "US") == ("", "")
