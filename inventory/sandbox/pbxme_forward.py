"""What the PBXme simulator accepts as a forwarding destination (``/api/did/forward``).

The document names the types (extension, PSTN, SIP URI "such as user@domain.com", access number,
direct IP) but not their formats; the simulator refuses what a real switch could not dial, in
PBXme's ``status: false`` shape, so a caller that sends nonsense finds out in tests.
"""

from __future__ import annotations

import ipaddress
import re

import phonenumbers

_BAD = "Invalid parameter: destination"
_SIP = re.compile(r"^[^@\s:;]+@[A-Za-z0-9.-]+(?::\d{1,5})?$")


def destination_error(forward_type: str, destination: str) -> str | None:
    """``None`` when PBXme would take ``destination`` for ``forward_type``, else its error."""
    if forward_type == "sip":
        return None if _SIP.match(destination) else _BAD
    if forward_type in ("pstn", "access_number"):
        try:
            number = phonenumbers.parse(destination, None)
        except phonenumbers.NumberParseException:
            return _BAD
        return None if phonenumbers.is_possible_number(number) else _BAD
    if forward_type == "ip":
        try:
            ipaddress.ip_address(destination)
        except ValueError:
            return _BAD
        return None
    if forward_type == "extension":
        return None if destination.isdigit() and len(destination) <= 6 else _BAD
    return "Invalid parameter: type"
