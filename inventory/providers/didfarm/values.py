"""The values on every search record, normalised cheaply: a catalogue walk parses each number.

Same answers as the ``..normalize`` functions they stand for, only with the repeated work taken
out: the few distinct prices, type words and country codes are converted once (bounded memos of
immutable values), and numbers already written in E.164 skip libphonenumber where its answer is
known to be the number itself.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

from ..normalize import cents_to_decimal, number_type, to_decimal, to_e164
from ..types import Feature, NumberType

VOICE = frozenset({Feature.VOICE})
VOICE_SMS = frozenset({Feature.VOICE, Feature.SMS})

_MEMO_LIMIT = 4096  # per memo; past it values are converted every time, as before
_CENTS: dict[int, Decimal] = {}
_DECIMALS: dict[str, Decimal] = {}
_KINDS: dict[str, NumberType] = {}
_COUNTRIES: dict[str, str] = {}

# A NANP number already in strict E.164 (N first in NPA and NXX) is what to_e164 would return for
# it; skipping libphonenumber for these halves the cost of walking a large US inventory.
_NANP_E164 = re.compile(r"\+1[2-9]\d{2}[2-9]\d{6}")
_E164 = re.compile(r"\+[1-9][0-9]{1,16}")


def nanp_e164(raw: object) -> str:
    """``raw`` if it is a NANP number in strict E.164, else "" (then ask ``e164``)."""
    return raw if type(raw) is str and _NANP_E164.fullmatch(raw) else ""


def e164(raw: object) -> str:
    """``to_e164`` of a number as a provider wrote it."""
    text = "" if raw is None else str(raw).strip()
    if _NANP_E164.fullmatch(text):
        return text
    if _E164.fullmatch(text) and _is_its_own_e164(text):
        return text
    return to_e164(text)


def _is_its_own_e164(text: str) -> bool:
    """Whether ``to_e164(text)`` is ``text`` itself, known without parsing ``text``.

    ``to_e164`` parses ``+<code><national>`` and writes it back unchanged unless parsing strips a
    national prefix, which it tries only where the region's ``national_prefix_for_parsing``
    matches the national digits. Otherwise what remains is whether the number is possible, which
    depends on the code and the national number's length alone: asked of ``to_e164`` once.
    False means "parse it" (``to_e164`` then answers or raises as usual).
    """
    digits = text[1:]
    for size in (1, 2, 3):  # calling codes are prefix-free: the first known one is the code
        code = digits[:size]
        prefix = _national_prefix(code)
        if prefix is not None:
            break
    else:
        return False
    national = digits[size:]
    if prefix.match(national):
        return False
    key = (code, len(national))
    possible = _POSSIBLE.get(key)
    if possible is None:
        try:
            possible = to_e164(text) == text
        except ValueError:
            possible = False
        _POSSIBLE[key] = possible
    return possible


_POSSIBLE: dict[tuple[str, int], bool] = {}
_NO_PREFIX = re.compile(r"(?!)")


@lru_cache(maxsize=1024)
def _national_prefix(code: str) -> re.Pattern[str] | None:
    """The national prefix pattern of calling code ``code``; None if it is not a calling code."""
    number = int(code)
    if number not in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        return None
    region = phonenumbers.region_code_for_country_code(number)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(number, region)
    pattern = metadata.national_prefix_for_parsing if metadata is not None else None
    return re.compile(pattern) if pattern else _NO_PREFIX


def cents(value: object) -> Decimal:
    """``cents_to_decimal``."""
    if type(value) is not int:  # str is allowed too, bool is not: the normaliser decides
        return cents_to_decimal(value)
    found = _CENTS.get(value)
    if found is None:
        found = cents_to_decimal(value)
        if len(_CENTS) < _MEMO_LIMIT:
            _CENTS[value] = found
    return found


def decimal(value: object) -> Decimal:
    """``to_decimal``."""
    if type(value) is not str:
        return to_decimal(value)
    found = _DECIMALS.get(value)
    if found is None:
        found = to_decimal(value)
        if len(_DECIMALS) < _MEMO_LIMIT:
            _DECIMALS[value] = found
    return found


def kind_of(value: object) -> NumberType:
    """``number_type``: ``ValueError`` for a word it does not know."""
    found = _KINDS.get(value) if type(value) is str else None
    if found is None:
        found = number_type(value)  # type: ignore[arg-type]
        if type(value) is str and len(_KINDS) < _MEMO_LIMIT:
            _KINDS[value] = found
    return found


def country_code(value: object) -> str:
    """A country as sent (``" nl"``), stripped and upper-cased; "" for none."""
    found = _COUNTRIES.get(value) if type(value) is str else None
    if found is None:
        found = "" if value is None else str(value).strip().upper()
        if type(value) is str and len(_COUNTRIES) < _MEMO_LIMIT:
            _COUNTRIES[value] = found
    return found
