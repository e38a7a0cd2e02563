"""Boundary normalisation shared by every adapter (DESIGN.md §2)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import phonenumbers

from .types import Feature, NumberType

_NON_DIGITS = re.compile(r"[^\d+]")


def to_e164(raw: str, *, country_calling_code: str = "") -> str:
    """Any provider's way of writing a number, as E.164 (``+<digits>``).

    Accepts ``+1 212 555 0100``, ``12125550100`` (DIDWW), ``0115117304800`` (IDT's ``011``
    prefix), ``0044 20 7946 0000`` (PBXme's ``00``) and national digits when the country calling
    code is given. Raises ``ValueError`` for anything that is not a possible number.
    """
    text = _NON_DIGITS.sub("", str(raw or ""))
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("011"):
        digits = text[3:]
    elif text.startswith("00"):
        digits = text[2:]
    elif country_calling_code and not text.startswith(country_calling_code):
        digits = country_calling_code + text.lstrip("0")
    else:
        digits = text
    if not digits.isdigit():
        raise ValueError(f"not a phone number: {raw!r}")
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def to_decimal(value: object) -> Decimal:
    """A provider's price ("1.50", 1.5, "1,50") as ``Decimal``; ``ValueError`` otherwise."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)  # the shortest exact text of the float, not its binary expansion
    text = str(value).strip().replace(",", ".")
    try:
        result = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return result


def cents_to_decimal(value: object) -> Decimal:
    """Integer minor units (DIDfarm Connect sends EUR cents) as ``Decimal`` major units."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not an amount in cents: {value!r}")
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


_TYPE_WORDS: dict[str, NumberType] = {
    "local": NumberType.LOCAL,
    "geographic": NumberType.LOCAL,
    "geo": NumberType.LOCAL,
    "city": NumberType.LOCAL,
    "mobile": NumberType.MOBILE,
    "national": NumberType.NATIONAL,
    "nongeographic": NumberType.NATIONAL,
    "tollfree": NumberType.TOLL_FREE,
    "freephone": NumberType.TOLL_FREE,
    "sharedcost": NumberType.SHARED_COST,
}


def number_type(raw: str) -> NumberType:
    """``"Toll-free"``, ``"toll_free"``, ``"TOLLFREE"``… as a ``NumberType``."""
    key = re.sub(r"[^a-z]", "", str(raw).lower())
    try:
        return _TYPE_WORDS[key]
    except KeyError:
        raise ValueError(f"unknown number type: {raw!r}") from None


_FEATURE_WORDS: dict[str, Feature] = {
    "voice": Feature.VOICE,
    "voicein": Feature.VOICE,
    "sms": Feature.SMS,
    "smsin": Feature.SMS,
    "smsout": Feature.SMS,
    "fax": Feature.FAX,
    "t38": Feature.FAX,
    "emergency": Feature.EMERGENCY,
    "e911": Feature.EMERGENCY,
}


def features(raw: object) -> frozenset[Feature]:
    """Known feature words (``["voice_in", "sms_out", "t38"]``) as ``Feature``s; unknown ignored."""
    words = raw if isinstance(raw, list | tuple | set | frozenset) else [raw]
    found = set()
    for word in words:
        key = re.sub(r"[^a-z0-9]", "", str(word).lower())
        if key in _FEATURE_WORDS:
            found.add(_FEATURE_WORDS[key])
    return frozenset(found)
