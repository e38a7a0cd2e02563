"""Routing targets checked and taken apart the same way by every adapter (issue #12).

``route_check`` refuses, before any call upstream, a route the adapter's ``routing`` does not
offer (a mode other than "api", a destination kind it cannot ring, a failover it cannot keep);
``sip_uri`` and ``pstn_number`` read a target's address strictly. Every refusal is
``InvalidRequest`` with the field a form can show it on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidRequest
from .normalize import to_e164
from .types import DestinationKind, Route, RouteTarget, RoutingSupport

# sip:user@host[:port][;params] — host is a name or IPv4 address (an IPv6 literal in brackets).
_SIP_URI = re.compile(
    r"^sips?:(?:(?P<user>[^@:;\s]+)@)?(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)"
    r"(?::(?P<port>\d{1,5}))?(?P<params>(?:;[^;\s]*)*)$",
    re.IGNORECASE,
)
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True, slots=True)
class SipUri:
    user: str  # "" when the URI has no user part
    host: str
    port: int | None
    transport: str  # "udp" | "tcp" | "tls"

    @property
    def text(self) -> str:
        """``user@host[:port]``, without the scheme (as forwarding APIs take it)."""
        at = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"{at}{self.host}{port}"


def route_check(label: str, routing: RoutingSupport, route: Route) -> None:
    """``InvalidRequest`` unless ``routing`` can ring ``route`` through the API."""
    if routing.mode != "api":
        raise InvalidRequest(
            f"{label} has no routing API: where a number rings is set up in {label}'s portal",
            field="kind",
        )
    for name, target in (("kind", route.target), ("failover", route.failover)):
        if target is None:
            continue
        if target.kind not in routing.kinds:
            offered = ", ".join(sorted(k.value for k in routing.kinds)) or "nothing"
            raise InvalidRequest(
                f"{label} cannot ring a {target.kind.value} destination (it offers {offered})",
                field=name,
            )
    if route.failover is not None and not routing.failover:
        raise InvalidRequest(f"{label} rings one destination only: no failover", field="failover")


def sip_uri(target: RouteTarget) -> SipUri:
    """A ``sip:user@host[:port]`` address, strictly; ``InvalidRequest(field="address")``."""
    text = target.address.strip()
    match = _SIP_URI.match(text)
    if not match:
        raise InvalidRequest(f"{text!r} is not a SIP address (sip:user@host)", field="address")
    host = match["host"]
    if not host.startswith("[") and not all(_HOST_LABEL.match(p) for p in host.split(".")):
        raise InvalidRequest(f"{text!r} has no valid host", field="address")
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 0 < port < 65536:
        raise InvalidRequest(f"{text!r} has an impossible port", field="address")
    transport = "tls" if text.lower().startswith("sips:") else "udp"
    for param in (match["params"] or "").split(";"):
        key, _, value = param.partition("=")
        if key.lower() == "transport" and value.lower() in ("udp", "tcp", "tls"):
            transport = value.lower()
    return SipUri(user=match["user"] or "", host=host.lower(), port=port, transport=transport)


def pstn_number(target: RouteTarget) -> str:
    """A PSTN destination in E.164; ``InvalidRequest(field="address")``."""
    try:
        return to_e164(target.address)
    except ValueError as exc:
        raise InvalidRequest(
            f"{target.address!r} is not a phone number in international form", field="address"
        ) from exc


def target_key(target: RouteTarget) -> str:
    """A stable text for a target (kind and normalized address), for deterministic names."""
    if target.kind is DestinationKind.SIP_URI:
        uri = sip_uri(target)
        return f"sip:{uri.text};transport={uri.transport}"
    if target.kind is DestinationKind.PSTN:
        return f"pstn:{pstn_number(target)}"
    return f"{target.kind.value}:{target.address.strip()}"
