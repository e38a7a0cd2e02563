"""didhub routing destinations as PBXme forward types (``/api/did/forward``)."""

from __future__ import annotations

import ipaddress

from .. import errors
from ..normalize import to_e164
from ..routes import pstn_number, sip_uri
from ..types import DestinationKind, RouteTarget
from .client import LABEL


def route_forward(target: RouteTarget) -> tuple[str, str]:
    """A route's target as PBXme's forward ``type`` and ``destination``: a SIP URI as ``sip``
    ``user@host[:port]`` (the document's "user@domain.com"), a phone number as ``pstn`` in
    E.164 (as the document's example sends it). ``InvalidRequest(field="address")``."""
    if target.kind is DestinationKind.PSTN:
        return "pstn", pstn_number(target)
    if target.kind is DestinationKind.SIP_URI:
        uri = sip_uri(target)
        if not uri.user:
            raise errors.InvalidRequest(
                f"{LABEL} forwards to a SIP address with a user part (sip:user@host)",
                field="address",
            )
        return "sip", uri.text
    raise errors.InvalidRequest(
        f"{LABEL} cannot forward to a {target.kind.value} destination", field="kind"
    )


def forward_target(destination: str) -> tuple[str, str]:
    """didhub's routing destination as PBXme's forward ``type`` and ``destination``.

    ``sip:user@host`` / ``user@host`` -> ``sip``; an IP address -> ``ip``; ``ext:101`` or up to six
    digits -> ``extension``; ``access:<number>`` -> ``access_number``; any phone number -> ``pstn``
    (sent in E.164, as the document's example does).
    """
    text = destination.strip()
    lower = text.lower()
    if not text:
        raise errors.InvalidRequest(
            f"{LABEL}: the forwarding destination is empty", field="destination"
        )
    if lower.startswith("sip:") or "@" in text:
        return "sip", text.removeprefix("sip:").removeprefix("SIP:")
    if lower.startswith("ext:") or (text.isdigit() and len(text) <= 6):
        return "extension", text.split(":", 1)[-1]
    if lower.startswith("access:"):
        return "access_number", _phone(text.split(":", 1)[1])
    try:
        return "ip", str(ipaddress.ip_address(text))
    except ValueError:
        pass
    return "pstn", _phone(text)


def _phone(text: str) -> str:
    try:
        return to_e164(text)
    except ValueError as exc:
        raise errors.InvalidRequest(
            f"{LABEL}: {text!r} is not a SIP address, IP, extension or phone number",
            field="destination",
        ) from exc
