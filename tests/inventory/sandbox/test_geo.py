"""The sandbox geography: real codes, determinism, spread and speed of generation."""

from __future__ import annotations

import time

import phonenumbers
import pycountry
import pytest

from inventory.sandbox import geo


def test_us_states_are_the_50_states_and_dc() -> None:
    assert len(geo.US_STATES) == 51
    assert geo.US_STATES["DC"] == "District of Columbia"
    for code, name in geo.US_STATES.items():
        if code != "DC":
            assert pycountry.subdivisions.get(code=f"US-{code}").name == name
    assert sum(len(npas) for npas in geo.US_NPAS.values()) >= 300
    assert {"212", "315", "347", "516", "518", "646", "718", "917", "929"} <= set(geo.US_NPAS["NY"])


def test_every_npa_is_a_real_us_or_canadian_area_code() -> None:
    for region, table in (("US", geo.US_NPAS), ("CA", geo.CA_NPAS)):
        for npas in table.values():
            for npa in npas:
                number = phonenumbers.parse(f"+1{npa}2345678")
                assert phonenumbers.region_code_for_number(number) == region, npa


def test_us_exchanges_are_deterministic_distinct_and_valid() -> None:
    first = geo.us_exchanges(seed=7, count=3000)
    assert first == geo.us_exchanges(seed=7, count=3000)
    assert first != geo.us_exchanges(seed=8, count=3000)
    assert len({(e.npa, e.nxx) for e in first}) == 3000
    for exchange in first:
        nxx = int(exchange.nxx)
        assert 200 <= nxx <= 999 and nxx % 100 != 11 and nxx != 555
        assert exchange.npa in geo.US_NPAS[exchange.state]
        assert exchange.city == geo.NPA_CITY[exchange.npa]
        number = phonenumbers.parse(f"+1{exchange.npa}{exchange.nxx}4567")
        assert phonenumbers.is_valid_number(number), exchange


def test_a_smaller_count_is_a_prefix_of_a_larger_one() -> None:
    assert geo.us_exchanges(seed=3, count=100) == geo.us_exchanges(seed=3, count=500)[:100]


def test_small_counts_cover_every_state() -> None:
    assert {e.state for e in geo.us_exchanges(seed=1, count=51)} == set(geo.US_STATES)
    ten = geo.us_exchanges(seed=1, count=10)
    assert len({e.state for e in ten}) == 10


def test_large_counts_are_fast_and_distinct() -> None:
    started = time.perf_counter()
    exchanges = geo.us_exchanges(seed=1, count=200_000)
    elapsed = time.perf_counter() - started
    assert len({(e.npa, e.nxx) for e in exchanges}) == 200_000
    assert {e.state for e in exchanges} == set(geo.US_STATES)
    assert elapsed < 5  # generous for slow CI; about 0.25 s on a laptop


def test_asking_for_more_exchanges_than_exist_fails_clearly() -> None:
    with pytest.raises(ValueError, match="exchanges exist"):
        geo.ca_exchanges(seed=1, count=10**6)


def test_ca_exchanges_cover_provinces_and_share_npas_without_overlap() -> None:
    exchanges = geo.ca_exchanges(seed=5, count=20_000)
    assert len({(e.npa, e.nxx) for e in exchanges}) == 20_000
    assert {e.state for e in exchanges} == set(geo.CA_PROVINCES)
    assert {"ON", "QC", "BC", "AB", "MB", "SK", "NS", "PE", "NB", "NL"} <= set(geo.CA_PROVINCES)
    pe = {e.nxx for e in exchanges if e.state == "PE" and e.npa == "902"}
    ns = {e.nxx for e in exchanges if e.state == "NS" and e.npa == "902"}
    assert pe and ns and not pe & ns
    for exchange in exchanges[:500]:
        number = phonenumbers.parse(f"+1{exchange.npa}{exchange.nxx}4567")
        assert phonenumbers.region_code_for_number(number) == "CA"
        assert phonenumbers.is_valid_number(number)


def test_countries_use_real_iso_codes() -> None:
    assert len(geo.COUNTRIES) >= 20
    assert "US" not in {c.code for c in geo.COUNTRIES}
    for spec in geo.COUNTRIES:
        assert pycountry.countries.get(alpha_2=spec.code) is not None, spec.code
        assert phonenumbers.country_code_for_region(spec.code) == int(spec.calling_code)
        region_codes = {code for code, _ in spec.regions}
        for code in region_codes:
            assert pycountry.subdivisions.get(code=code) is not None, code
        for city, prefix, region in spec.cities:
            assert prefix.isdigit(), city
            assert region == "" or region in region_codes, (spec.code, city)
        prefixes = [prefix for _, prefix, _ in spec.cities]
        assert len(prefixes) == len(set(prefixes)), spec.code
        assert set(spec.number_types) <= {"local", "mobile", "national", "toll_free", "shared_cost"}
        for number_type in spec.number_types:
            assert spec.prefixes(number_type), (spec.code, number_type)


def test_known_area_prefixes() -> None:
    gb, de, fr = geo.country("GB"), geo.country("DE"), geo.country("FR")
    assert ("London", "20", "GB-ENG") in gb.cities
    assert ("Manchester", "161", "GB-ENG") in gb.cities
    assert {"GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR"} == {code for code, _ in gb.regions}
    assert ("Berlin", "30", "DE-BE") in de.cities and ("Munich", "89", "DE-BY") in de.cities
    assert ("Paris", "1", "FR-IDF") in fr.cities
    assert gb.toll_free_prefixes == ("800", "808") and "7" in "".join(gb.mobile_prefixes)[:1]
    assert de.toll_free_prefixes == ("800",)
    with pytest.raises(KeyError):
        geo.country("US")


@pytest.mark.parametrize(
    ("calling_code", "prefix", "length", "region", "kind"),
    [
        ("44", "20", 10, "GB", phonenumbers.PhoneNumberType.FIXED_LINE),
        ("44", "800", 10, "GB", phonenumbers.PhoneNumberType.TOLL_FREE),
        ("49", "30", 10, "DE", phonenumbers.PhoneNumberType.FIXED_LINE),
        ("33", "6", 9, "FR", phonenumbers.PhoneNumberType.MOBILE),
        ("39", "02", 10, "IT", phonenumbers.PhoneNumberType.FIXED_LINE),
        ("61", "1800", 10, "AU", phonenumbers.PhoneNumberType.TOLL_FREE),
    ],
)
def test_sample_numbers_are_valid_e164(
    calling_code: str, prefix: str, length: int, region: str, kind: int
) -> None:
    numbers = geo.sample_numbers(
        seed=4, calling_code=calling_code, prefix=prefix, count=25, length=length
    )
    assert len(numbers) == len(set(numbers)) == 25
    assert numbers == sorted(numbers)
    assert numbers == geo.sample_numbers(
        seed=4, calling_code=calling_code, prefix=prefix, count=25, length=length
    )
    for number in numbers:
        assert number.startswith(f"+{calling_code}{prefix}")
        assert len(number) == 1 + len(calling_code) + length
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.region_code_for_number(parsed) == region
        assert phonenumbers.number_type(parsed) == kind


def test_every_country_prefix_yields_valid_numbers_at_its_length() -> None:
    for spec in geo.COUNTRIES:
        for number_type in spec.number_types:
            for prefix in spec.prefixes(number_type):
                numbers = geo.sample_numbers(
                    seed=1,
                    calling_code=spec.calling_code,
                    prefix=prefix,
                    count=10,
                    length=spec.nsn_length(prefix),
                )
                valid = sum(phonenumbers.is_valid_number(phonenumbers.parse(n)) for n in numbers)
                assert valid == 10, (spec.code, number_type, prefix)


def test_sample_numbers_seed_changes_the_numbers_and_small_spaces_are_capped() -> None:
    one = geo.sample_numbers(seed=1, calling_code="44", prefix="20", count=5, length=10)
    two = geo.sample_numbers(seed=2, calling_code="44", prefix="20", count=5, length=10)
    assert one != two
    tiny = geo.sample_numbers(seed=1, calling_code="44", prefix="2079460", count=50, length=9)
    assert len(tiny) == 50 and len(set(tiny)) == 50
    capped = geo.sample_numbers(seed=1, calling_code="44", prefix="20794600", count=50, length=9)
    assert len(capped) == 10  # only ten numbers exist under this prefix
    with pytest.raises(ValueError, match="longer"):
        geo.sample_numbers(seed=1, calling_code="44", prefix="2079460012", count=1, length=9)
