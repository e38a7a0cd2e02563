"""PBXme suspension (issue #11): forward to nowhere (or the announcement), then forward back.

``/api/did/forward`` takes ``did_id``, ``destination`` and ``type``; ``did/list`` tells what a
number forwards to now (``forward_type``/``forward_destination``, optional in the document).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import errors
from ..http import AccountConfig
from ..normalize import to_e164
from . import wire
from .client import LABEL, PbxmeClient
from .forwarding import forward_target


class PbxmeSuspension:
    """Mixed into ``PbxmeAdapter``, which provides ``_owned``, ``_e164`` and ``_did_id``."""

    config: AccountConfig
    client: PbxmeClient

    def suspension_snapshot(self, number: str) -> dict[str, Any]:
        did = self._owned_did(number)
        return {
            "did_id": did.did_id,
            "forward_type": did.forward_type,
            "forward_destination": did.forward_destination,
        }

    def suspend(self, number: str) -> None:
        """Forward to the announcement destination, or clear the forward (an empty destination
        and type: the document names no "nowhere" type, this is our reading of it)."""
        did_id = self._did_id(number)
        if self.config.suspended_forward:
            forward_type, target = forward_target(self.config.suspended_forward)
            self.client.forward(did_id, target, forward_type)
        else:
            self.client.forward(did_id, "", "")

    def restore(self, number: str, snapshot: Mapping[str, Any]) -> None:
        did_id = self._did_id(number)
        destination = str(snapshot.get("forward_destination") or "")
        forward_type = str(snapshot.get("forward_type") or "")
        if destination and forward_type:
            self.client.forward(did_id, destination, forward_type)
        elif "forward_destination" in snapshot:
            self.client.forward(did_id, "", "")  # it forwarded nowhere before the suspension
        # No snapshot (the suspension never landed): the forward was never changed.

    def _owned_did(self, number: str) -> wire.OwnedDid:
        try:
            wanted = to_e164(number)
        except ValueError as exc:
            raise errors.InvalidRequest(f"{LABEL}: {exc}", field="number") from exc
        for did in self._owned():
            if self._e164(did) == wanted:
                return did
        raise errors.NotFound(f"{LABEL}: the account owns no DID {wanted}")
