"""DIDWW suspension (issue #11): stop the renewal and unroute, then put both back.

``PATCH /v3/dids/{id}`` sets ``billing_cycles_count`` (0 = do not renew, null = renew forever)
and the to-one relationships ``voice_in_trunk`` / ``voice_in_trunk_group`` (null = unassigned),
as DIDWW's v3 reference (2022-05-10) and its "Assigning Related Resources" page describe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import errors
from . import wire
from .client import LABEL, DidwwClient, one


class DidwwSuspension:
    """Mixed into ``DidwwAdapter``."""

    client: DidwwClient

    def suspension_snapshot(self, number: str) -> dict[str, Any]:
        did = self._active_did(number)
        return {
            "did_id": did.id,
            "billing_cycles_count": did.billing_cycles_count,
            "voice_in_trunk_id": did.voice_in_trunk_id,
            "voice_in_trunk_group_id": did.voice_in_trunk_group_id,
        }

    def suspend(self, number: str) -> None:
        did = self._active_did(number)
        routes: dict[str, Any] = {}
        if did.voice_in_trunk_id:
            routes["voice_in_trunk"] = None
        if did.voice_in_trunk_group_id:
            routes["voice_in_trunk_group"] = None
        self.client.patch(
            f"/v3/dids/{did.id}", "dids", did.id, {"billing_cycles_count": 0}, routes or None
        )

    def restore(self, number: str, snapshot: Mapping[str, Any]) -> None:
        did = self._active_did(number)
        cycles = snapshot.get("billing_cycles_count")
        routes: dict[str, Any] = {}
        if snapshot.get("voice_in_trunk_id"):
            routes["voice_in_trunk"] = {
                "type": "voice_in_trunks",
                "id": str(snapshot["voice_in_trunk_id"]),
            }
        elif snapshot.get("voice_in_trunk_group_id"):
            routes["voice_in_trunk_group"] = {
                "type": "voice_in_trunk_groups",
                "id": str(snapshot["voice_in_trunk_group_id"]),
            }
        self.client.patch(
            f"/v3/dids/{did.id}",
            "dids",
            did.id,
            {"billing_cycles_count": cycles if isinstance(cycles, int) else None},
            routes or None,
        )

    def _active_did(self, number: str) -> wire.Did:
        """The account's active DID for an E.164 number, with its routing relationships."""
        digits = number.strip().removeprefix("+")
        params = {"filter[number]": digits, "include": "voice_in_trunk,voice_in_trunk_group"}
        for item in self.client.collection("/v3/dids", params, one(wire.did)):
            if item.number.removeprefix("+") == digits and not item.terminated:
                return item
        raise errors.NotFound(f"{LABEL}: the account owns no active DID {number}")

    def _did_id(self, number: str) -> str:
        """A DID's id from its E.164 number (or DIDWW's digits); other text is taken as the id."""
        digits = number.strip().removeprefix("+")
        if not digits.isdigit():
            return number
        for item in self.client.collection("/v3/dids", {"filter[number]": digits}, one(wire.did)):
            if item.number.removeprefix("+") == digits and not item.terminated:
                return item.id
        raise errors.NotFound(f"{LABEL}: the account owns no active DID {number}")
