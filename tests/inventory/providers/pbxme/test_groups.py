"""The fast paths of ``groups``: each must answer exactly what the slow path it skips would."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import geocoder

from inventory.providers.normalize import to_e164
from inventory.providers.pbxme import groups

RAW_NUMBERS = [
    "0012125550123",
    "+12125550123",
    "001 212 555 0123",
    "0012125550",  # too short
    "0011234567890",  # NPA starting 1
    "0014165550123",  # Canada
    "00442079460000",
    "004402079460000",  # trunk 0 after the country code
    "+33478123456",
    "0061212345678",
    "0049301234567",
    "00999",
    "00",
    "+",
    "0115117304800",
    "12125550123",
]


@pytest.mark.parametrize("raw", RAW_NUMBERS)
def test_e164_parsed_is_to_e164(raw: str) -> None:
    try:
        expected = to_e164(raw)
    except ValueError:
        with pytest.raises(ValueError):
            groups._e164_parsed(raw)
        return
    number, parsed = groups._e164_parsed(raw)
    assert number == expected
    if parsed is not None:
        assert parsed == phonenumbers.parse(expected)


@pytest.mark.parametrize("raw", RAW_NUMBERS)
def test_nanp_fast_path_matches_the_general_one(raw: str) -> None:
    row = {
        "did_id": 1,
        "did_number": raw,
        "country": "US",
        "type": "Landline",
        "monthly_cost": "1.00",
        "setup_fee": "0",
    }
    try:
        number = to_e164(raw)
    except ValueError:
        number = ""
    if not number.startswith("+1"):  # unreadable, or another country's number
        with pytest.raises(ValueError):
            groups.listing(row)
        return
    found = groups.listing(row)
    assert found.number == number
    assert found.group_id == f"US:landline:{number[2:5]}-{number[5:8]}"


def _numbers() -> list[phonenumbers.PhoneNumber]:
    rng = random.Random(7)
    found = []
    for region in ("US", "CA", "GB", "DE", "FR", "NL", "AU", "AR", "MX", "IT", "JE", "BR"):
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            nsn = phonenumbers.national_significant_number(example)
            for _ in range(15):
                keep = rng.randint(1, len(nsn))
                tail = "".join(rng.choice("0123456789") for _ in nsn[keep:])
                number = phonenumbers.parse(f"+{example.country_code}{nsn[:keep]}{tail}")
                if phonenumbers.is_possible_number(number):
                    found.append(number)
    return found


@pytest.mark.parametrize("number", _numbers(), ids=str)
def test_described_is_the_geocoders_description(number: phonenumbers.PhoneNumber) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    found = groups._described(e164, number.country_code)
    expected = geocoder.description_for_valid_number(number, "en")
    if found is None:
        return  # the caller asks the geocoder itself
    assert found == expected
