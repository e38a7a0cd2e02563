"""The state or province (ISO 3166-2) of a NANP exchange, as libphonenumber's geocoder places it.

The region comes from libphonenumber's geocoding data: the geocoder writes "New York, NY" for
most exchanges and just "Ohio" for some; the two-letter suffix is taken when there is one, else
the description is matched against the country's subdivision names (see ``from_description``).

Importing ``phonenumbers.geocoder`` loads the geocoding data of every country in the world (19 MB
of Python, seconds where byte code is not cached) to answer for ~420 North American area codes.
For the US and Canada the answer is therefore kept in ``nanp_region_data``: per NPA, the NXX
ranges that share a region, derived from the installed phonenumbers and pycountry by ``build``.
Tests check it still matches the geocoder; after upgrading either library, regenerate it with
``python -m inventory.providers.didfarm.nanp_regions``. The geocoder itself still answers for
other NANP countries (PR, JM…) and for exchanges its data has no area description for (it then
names the number's country, and "Puerto Rico" is a US subdivision).
"""

from __future__ import annotations

import bisect
import sys
import textwrap
from functools import cache, lru_cache

import pycountry

TABLE_COUNTRIES = ("US", "CA")
_ASK = "?"  # no area description: the geocoder falls back to the name of the number's country


def from_description(description: str, country: str) -> str:
    """The ISO 3166-2 code a geocoder description names in ``country``; "" if none."""
    if not description:
        return ""
    _, _, tail = description.rpartition(", ")
    if tail and len(tail) == 2 and tail.isupper():
        code = f"{country}-{tail}"
        return code if pycountry.subdivisions.get(code=code) else ""
    for subdivision in pycountry.subdivisions.get(country_code=country) or ():
        if subdivision.name == description:
            return subdivision.code
    return ""


@lru_cache(maxsize=1024)
def subdivision_name(code: str) -> str:
    found = pycountry.subdivisions.get(code=code)
    return found.name if found else ""


@lru_cache(maxsize=4096)
def geocoded(digits: str, country: str) -> str:
    """The region of exchange ``digits`` (NPA + NXX) asked of libphonenumber's geocoder."""
    import phonenumbers
    from phonenumbers import geocoder  # loads every country's geocoding data

    # The exchange's first line number stands for the exchange (the data is per NPA-NXX at most).
    parsed = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits + "0000"))
    return from_description(geocoder.description_for_valid_number(parsed, "en"), country)


@cache
def _table() -> dict[str, tuple[list[int], list[str]]]:
    from .nanp_region_data import TABLE

    parsed: dict[str, tuple[list[int], list[str]]] = {}
    for entry in TABLE.split(";"):
        npa, first, *changes = entry.split()
        starts, codes = [0], [first]
        for change in changes:
            nxx, _, code = change.partition("=")
            starts.append(int(nxx))
            codes.append(code)
        parsed[npa] = (starts, [code.strip("-") for code in codes])
    return parsed


def region_code(digits: str, country: str) -> str:
    """ISO 3166-2 code of exchange ``digits`` (six digits, NPA + NXX) in ``country``; "" if none."""
    if country not in TABLE_COUNTRIES or digits[0] == "0":
        return geocoded(digits, country)
    runs = _table().get(digits[:3])
    if runs is None:  # no geocoding data for the NPA: the geocoder names the number's country
        return geocoded(digits, country)
    starts, codes = runs
    code = codes[bisect.bisect_right(starts, int(digits[3:])) - 1]
    if code == _ASK:
        return geocoded(digits, country)
    return code if code.startswith(country + "-") else ""


# --- generating nanp_region_data --------------------------------------------------------------


def _description(data: dict, longest: int, e164: str) -> str:
    """``geocoder.description_for_valid_number(…, "en")`` for a +1 number, from the raw data."""
    for length in range(min(longest, len(e164)), 0, -1):
        names = data.get(e164[:length])
        if names is not None and "en" in names:
            return names["en"]
    return ""


def build() -> dict[str, list[tuple[int, str]]]:
    """Per NPA with any region, the runs ``(first NXX, code)`` covering NXX 000-999."""
    from phonenumbers.geodata import GEOCODE_DATA, GEOCODE_LONGEST_PREFIX

    detailed = {key[:4] for key in GEOCODE_DATA if key[:1] == "1" and len(key) > 4}
    resolved: dict[str, str] = {}
    table: dict[str, list[tuple[int, str]]] = {}
    for npa in range(1000):
        runs: list[tuple[int, str]] = []
        # Without data finer than the NPA, NXX 000 answers for the whole NPA.
        for nxx in range(1000) if f"1{npa:03d}" in detailed else (0,):
            description = _description(
                GEOCODE_DATA, GEOCODE_LONGEST_PREFIX, f"1{npa:03d}{nxx:03d}0000"
            )
            code = resolved.get(description) if description else _ASK
            if code is None:
                found = [from_description(description, c) for c in TABLE_COUNTRIES]
                if all(found):
                    raise ValueError(f"{description!r} names a region in several countries")
                code = resolved[description] = next((c for c in found if c), "")
            if not runs or runs[-1][1] != code:
                runs.append((nxx, code))
        if runs != [(0, _ASK)]:  # an NPA left out is asked of the geocoder
            table[f"{npa:03d}"] = runs
    return table


def render(table: dict[str, list[tuple[int, str]]]) -> str:
    """The source of ``nanp_region_data.py`` for ``build()``'s table."""
    entries = "; ".join(
        " ".join([npa, runs[0][1] or "-", *(f"{nxx:03d}={code or '-'}" for nxx, code in runs[1:])])
        for npa, runs in sorted(table.items())
    )
    import phonenumbers

    body = textwrap.fill(entries, width=99, break_on_hyphens=False, break_long_words=False)
    return (
        '"""Generated by ``python -m inventory.providers.didfarm.nanp_regions``: do not edit.\n\n'
        f"From phonenumbers {phonenumbers.__version__} geocoding data and pycountry subdivisions."
        "\n\n``NPA code NXX=code …;``: the region (ISO 3166-2; - for none, ? to ask the\n"
        "geocoder) of NXX 000 onwards, then from each NXX where it changes. NPAs not listed: ask\n"
        "the geocoder.\n"
        '"""\n\n'
        f'TABLE = """\n{body}\n"""\n'
    )


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(render(build()))
