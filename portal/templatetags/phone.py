"""``{{ number|phone }}``: a phone number as people write it, not as E.164.

International format by default ("+1 212-555-0100", "+44 20 7946 0958"); national format
("(212) 555-0100") when the number belongs to the region given (``number|phone:"US"``), e.g. the
client's own country. Anything phonenumbers cannot parse is shown as it came.
"""

from __future__ import annotations

import phonenumbers
from django import template

register = template.Library()


def phone_display(value: object, region: str = "") -> str:
    text = "" if value is None else str(value)
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text if text.startswith("+") else f"+{text}", None)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    own = region and phonenumbers.region_code_for_number(number) == str(region).upper()
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if own
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@register.filter(name="phone")
def phone(value: object, region: str = "") -> str:
    return phone_display(value, region or "")
