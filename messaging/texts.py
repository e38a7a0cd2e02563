"""What a text may be, and whether a number can send and receive them.

A number has texts when its group says so (``DidGroup.sms``, from the provider's catalog: DIDfarm's
``sms_enabled``) *and* its provider's adapter can send them (the ``"sms"`` capability): a group
that says SMS at a provider we cannot send through is still "no texts" here.

Length: at most ``BODY_LIMIT`` characters (ten concatenated SMS of plain text); the page shows how
many SMS segments a text takes (``segments``), which is what providers charge for.
"""

from __future__ import annotations

import math

import phonenumbers

from inventory.models import Number
from inventory.models_numbers import IN_SERVICE
from inventory.providers.registry import PROVIDERS

BODY_LIMIT = 1600

# The GSM 03.38 basic set (plus its extension table, two septets each): a text in these alone
# travels as 7-bit, 160 characters per SMS (153 when concatenated); any other character makes the
# whole text UCS-2, 70 per SMS (67 when concatenated).
_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def segments(body: str) -> int:
    """How many SMS ``body`` is sent as (0 for an empty text)."""
    if not body:
        return 0
    if all(c in _GSM or c in _GSM_EXTENDED for c in body):
        length = sum(2 if c in _GSM_EXTENDED else 1 for c in body)
        single, part = 160, 153
    else:
        length = sum(2 if ord(c) > 0xFFFF else 1 for c in body)  # UTF-16 code units
        single, part = 70, 67
    return 1 if length <= single else math.ceil(length / part)


def provider_sends_texts(kind: str) -> bool:
    description = PROVIDERS.get(kind)
    return description is not None and "sms" in description.capabilities


def number_has_texts(number: Number) -> bool:
    """Whether ``number`` can send and receive texts at all (whatever its state now)."""
    group = number.group
    return bool(group and group.sms and provider_sends_texts(number.provider_account.kind))


def number_can_send(number: Number) -> bool:
    return number_has_texts(number) and number.status in IN_SERVICE


def destination_e164(raw: str, *, region: str = "") -> str:
    """A destination number typed by a person, as E.164; ``ValueError`` when it is not a valid
    number (national numbers are read in ``region``, the client's billing country)."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        raise ValueError("empty")
    try:
        parsed = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
