"""DIDWW routing (issue #12): voice-in trunks made for a number and assigned to its DID.

A DID rings one voice-in trunk (``relationships.voice_in_trunk``) or one trunk group
(``voice_in_trunk_group``), never both (``PATCH /v3/dids/{id}``). A trunk's ``configuration``
is ``sip_configurations`` (``username``, ``host``, ``port``…) or ``pstn_configurations``
(``dst``, digits). A failover is DIDWW's documented way: a trunk group whose trunks are tried by
``priority``, lower first — the target at 1, the failover at 2.

Retrying after a lost answer never duplicates anything: every trunk and group we make has a
name derived from the DID number and the route (``didhub <digits> <digest>``; names are unique
per DIDWW account), looked up with ``filter[name]`` before it is created. A route already made
once is found again, so going back to an earlier route creates nothing either. Trunks of routes
no longer in use stay upstream: a suspension's snapshot may still point at one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ..routes import pstn_number, route_check, sip_uri, target_key
from ..types import DestinationKind, Route, RouteTarget, RoutingSupport
from .client import LABEL, DidwwClient, one

if TYPE_CHECKING:
    from . import wire

TRUNKS, GROUPS = "voice_in_trunks", "voice_in_trunk_groups"
NAME_PREFIX = "didhub"
# PCMU, PCMA, G729, G723, telephone-event: what DIDWW's own examples show a SIP trunk with.
CODEC_IDS = (9, 10, 8, 7, 6)
TRANSPORT_IDS = {"udp": 1, "tcp": 2, "tls": 3}
WEIGHT = 65535  # DIDWW's default weight (RFC 2782); one trunk per priority here


class DidwwRouting:
    """Mixed into ``DidwwAdapter``, which provides ``_active_did`` (``suspension.py``)."""

    client: DidwwClient
    routing: ClassVar[RoutingSupport]

    def route_set(self, number: str, route: Route) -> dict[str, Any]:
        """Ring ``route``; returns ``did_id``, ``voice_in_trunk_id`` or
        ``voice_in_trunk_group_id`` (the other None, as ``suspension_snapshot`` records them)
        and ``trunk_ids`` (target first, then failover), with the names they were made
        under (``trunk_names``, ``group_name``: what a retry looks them up by)."""
        route_check(LABEL, self.routing, route)
        targets = [route.target] + ([route.failover] if route.failover else [])
        configurations = [configuration(t) for t in targets]  # refuse a bad address first
        did = self._active_did(number)
        digits = did.number.removeprefix("+")
        if route.failover is None:
            name = f"{NAME_PREFIX} {digits} {_digest(target_key(route.target))}"
            trunk_id = self._trunk(name, configurations[0], priority=1)
            if did.voice_in_trunk_id != trunk_id or did.voice_in_trunk_group_id:
                self._assign(did.id, "voice_in_trunk", TRUNKS, trunk_id)
            return {
                "did_id": did.id,
                "voice_in_trunk_id": trunk_id,
                "voice_in_trunk_group_id": None,
                "trunk_ids": [trunk_id],
                "trunk_names": [name],
                "group_name": None,
            }
        key = _digest("|".join(target_key(t) for t in targets))
        names = [f"{NAME_PREFIX} {digits} {key} {p}" for p in range(1, len(targets) + 1)]
        trunk_ids = [
            self._trunk(name, config, priority=priority)
            for priority, (name, config) in enumerate(
                zip(names, configurations, strict=True), start=1
            )
        ]
        group_name = f"{NAME_PREFIX} {digits} {key}"
        group_id = self._group(group_name, trunk_ids)
        if did.voice_in_trunk_group_id != group_id or did.voice_in_trunk_id:
            self._assign(did.id, "voice_in_trunk_group", GROUPS, group_id)
        return {
            "did_id": did.id,
            "voice_in_trunk_id": None,
            "voice_in_trunk_group_id": group_id,
            "trunk_ids": trunk_ids,
            "trunk_names": names,
            "group_name": group_name,
        }

    # --- helpers -------------------------------------------------------------------------------

    if TYPE_CHECKING:

        def _active_did(self, number: str) -> wire.Did: ...  # DidwwSuspension's

    def _trunk(self, name: str, config: Mapping[str, Any], *, priority: int) -> str:
        """The id of the trunk named ``name``, made with ``config`` unless it exists."""
        for found in self._named(TRUNKS, name):
            return found
        made = self.client.create(
            f"/v3/{TRUNKS}",
            TRUNKS,
            {
                "name": name,
                "priority": priority,
                "weight": WEIGHT,
                "cli_format": "e164",
                "configuration": dict(config),
            },
        )
        return made.id

    def _group(self, name: str, trunk_ids: list[str]) -> str:
        members = [{"type": TRUNKS, "id": tid} for tid in trunk_ids]
        for found in self._named(GROUPS, name):
            return found
        made = self.client.create(
            f"/v3/{GROUPS}", GROUPS, {"name": name}, {"voice_in_trunks": members}
        )
        return made.id

    def _named(self, rtype: str, name: str) -> Iterator[str]:
        """Ids of this account's ``rtype`` records named exactly ``name``."""
        records = self.client.collection(
            f"/v3/{rtype}", {"filter[name]": name}, one(lambda item: item)
        )
        for item in records:
            if item.attributes.get("name") == name:
                yield item.id

    def _assign(self, did_id: str, name: str, rtype: str, rid: str) -> None:
        other = "voice_in_trunk_group" if name == "voice_in_trunk" else "voice_in_trunk"
        routes = {name: {"type": rtype, "id": rid}, other: None}
        self.client.patch(f"/v3/dids/{did_id}", "dids", did_id, {}, routes)


def configuration(target: RouteTarget) -> dict[str, Any]:
    """A target as a voice-in trunk's polymorphic ``configuration``."""
    if target.kind is DestinationKind.PSTN:
        return {"type": "pstn_configurations", "attributes": {"dst": pstn_number(target)[1:]}}
    uri = sip_uri(target)
    attributes: dict[str, Any] = {
        # DIDWW puts the called DID in the R-URI's user part where it reads {DID}.
        "username": uri.user or "{DID}",
        "host": uri.host,
        "codec_ids": list(CODEC_IDS),
        "transport_protocol_id": TRANSPORT_IDS[uri.transport],
    }
    if uri.port:
        attributes["port"] = uri.port  # without one, DIDWW resolves the host's SRV records
    return {"type": "sip_configurations", "attributes": attributes}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]
