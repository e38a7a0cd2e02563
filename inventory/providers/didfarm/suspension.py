"""DIDfarm suspension (issue #11): unroute the number, then route it back to its trunk.

The Connect guide's ``POST /portal/did-routing`` (``did_number_id``, ``sip_trunk_id``) routes a
number; no document gives a call that removes a routing, so suspension sends the same call with
``sip_trunk_id: null`` (our reading; a provider that refuses it makes the action dead, for an
admin to unroute in the portal and mark done).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import NotFound
from .client import DidfarmClient
from .wire import LABEL


class DidfarmSuspension:
    """Mixed into ``DidfarmAdapter``, which provides ``_owned``."""

    client: DidfarmClient

    def suspension_snapshot(self, number: str) -> dict[str, Any]:
        did = self._owned(number)
        if did.status == "released":
            raise NotFound(f"{LABEL}: {did.number} was released")
        return {"did_number_id": did.id, "sip_trunk_id": did.sip_trunk_id}

    def suspend(self, number: str) -> None:
        did = self._owned(number)
        if did.sip_trunk_id:  # an unrouted number has nothing to remove
            self.client.route(did.id, None)

    def restore(self, number: str, snapshot: Mapping[str, Any]) -> None:
        trunk = str(snapshot.get("sip_trunk_id") or "")
        if not trunk:
            return  # it was not routed before the suspension: nothing to put back
        did = self._owned(number)
        if did.sip_trunk_id != trunk:
            self.client.route(did.id, trunk)
