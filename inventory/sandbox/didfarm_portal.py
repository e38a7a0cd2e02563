"""Routing, SIP trunk and messaging endpoints of the DIDfarm simulator (``/portal/...``, SMS).

A mixin of ``DidfarmSandbox``: the handlers use its ``state``, ``seed`` and ``_owned``.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

import httpx
import phonenumbers

from .didfarm_state import Did, DidfarmState, SipTrunk, error, invalid, ok, page_of, page_params
from .held import HeldTrunk

SMS_SEGMENT_CENTS = 8
ADOPT_ID_SEARCH = 100_000  # trunk ids tried when recovering an adopted uuid's id


class PortalHandlers:
    state: DidfarmState
    seed: int

    def _owned(self, raw: object) -> Did | None:
        try:
            return self.state.numbers.get(int(str(raw)))
        except ValueError:
            return None

    # --- routing and trunks -----------------------------------------------------------------

    def _route(self, body: dict[str, Any]) -> httpx.Response:
        # ``"sip_trunk_id": null`` unroutes the number: not in the documents, the call didhub
        # uses to suspend (a missing or empty trunk id is still refused).
        unroute = "sip_trunk_id" in body and body["sip_trunk_id"] is None
        for name in ("did_number_id",) if unroute else ("did_number_id", "sip_trunk_id"):
            if body.get(name) in (None, ""):
                return invalid(f"The {name} field is required.")
        did = self._owned(body["did_number_id"])
        if did is None or did.status == "released":
            return error(404, "DID number not found.")
        if did.status not in ("active", "pending_regulatory"):
            return invalid("The number is not active yet.", "number_not_active")
        if unroute:
            did.sip_trunk_id = None
            return ok(
                {"data": {"did_number_id": did.id, "sip_trunk_id": None, "status": "unrouted"}}
            )
        trunk = self._trunk(body["sip_trunk_id"])
        if trunk is None:
            return error(404, "SIP trunk not found.")
        did.sip_trunk_id = trunk.id
        return ok({"data": {"did_number_id": did.id, "sip_trunk_id": trunk.id, "status": "routed"}})

    def _trunk(self, raw: object) -> SipTrunk | None:
        for trunk in self.state.trunks.values():
            if str(raw) in (str(trunk.id), trunk.uuid):
                return trunk
        return None

    def _list_trunks(self, params: httpx.QueryParams) -> httpx.Response:
        """Pages of ``limit`` (``page``/``limit`` as the other lists) with ``meta.total``; the
        guide shows no answer, so the shape is the numbers list's. No passwords here."""
        bounds = page_params(params, default=100)
        if isinstance(bounds, httpx.Response):
            return bounds
        trunks = list(self.state.trunks.values())
        for trunk in trunks:  # registers once somebody looks: enough for a simulator
            trunk.status = "active"
        return ok(page_of(trunks, *bounds, lambda t: t.to_json()))

    def adopt_trunk(self, held: HeldTrunk) -> bool:
        """Hold a SIP trunk made earlier (see ``held``) under its uuid and id (the id given,
        else the one this simulator's seed gave that uuid, else a new one); False if held.
        The password is not known any more: a new one, as after a regeneration."""
        if self._trunk(held.external_id) is not None:
            return False
        ident = int(held.provider_id) if held.provider_id.isdigit() else self._ident_of(held)
        if ident in self.state.trunks:
            ident = max(self.state.trunks) + 1
        # Trunks made later take ids (and uuids) after it, as they would have.
        self.state.counters["trunk"] = max(self.state.counters.get("trunk", 6), ident)
        uuid = held.external_id if held.external_id.startswith("trk_") else self._uuid(ident)
        username = held.username or f"trunk_{self._uuid(ident)[4:8]}"
        self.state.trunks[ident] = SipTrunk(
            ident, uuid, held.name, "digest", username, self._secret(), status="active"
        )
        return True

    def _uuid(self, ident: int) -> str:
        digest = hashlib.sha256(f"didfarm:{self.seed}:trunk:{ident}".encode()).hexdigest()
        return f"trk_{digest[:8]}"

    def _ident_of(self, held: HeldTrunk) -> int:
        for ident in range(7, 7 + ADOPT_ID_SEARCH):
            if self._uuid(ident) == held.external_id:
                return ident
        return max([self.state.counters.get("trunk", 6), *self.state.trunks]) + 1

    def _create_trunk(self, body: dict[str, Any]) -> httpx.Response:
        name = str(body.get("name") or "").strip()
        if not name:
            return invalid("The name field is required.")
        auth_type = body.get("auth_type", "digest")
        if auth_type not in ("digest", "ip"):
            return invalid("The selected auth_type is invalid.")
        ident = self.state.next_id("trunk", 7)
        while ident in self.state.trunks:  # ids adopted after a restart are taken
            ident = self.state.next_id("trunk", 7)
        digest = hashlib.sha256(f"didfarm:{self.seed}:trunk:{ident}".encode()).hexdigest()
        slug = re.sub(r"[^a-z0-9]", "", name.lower())[:8] or "trunk"
        trunk = SipTrunk(
            ident, f"trk_{digest[:8]}", name, auth_type, f"{slug}_{digest[8:12]}", self._secret()
        )
        self.state.trunks[ident] = trunk
        return ok({"data": trunk.to_json(with_password=True)}, 201)

    def _regenerate(self, body: dict[str, Any], uuid: str) -> httpx.Response:
        trunk = self._trunk(uuid)
        if trunk is None:
            return error(404, "SIP trunk not found.")
        trunk.password = self._secret()
        return ok({"data": trunk.to_json(with_password=True)})

    def _secret(self) -> str:
        count = self.state.next_id("secret", 1)
        return hashlib.sha256(f"didfarm:{self.seed}:secret:{count}".encode()).hexdigest()[:16]

    # --- messaging --------------------------------------------------------------------------

    def _send_message(self, body: dict[str, Any]) -> httpx.Response:
        for name in ("from", "to", "body"):
            if not isinstance(body.get(name), str) or not body[name].strip():
                return invalid(f"The {name} field is required.")
        sender = next(
            (
                d
                for d in self.state.numbers.values()
                if d.offer.number == body["from"] and d.status != "released"
            ),
            None,
        )
        if sender is None:
            return invalid("The from number is not a number on this account.", "invalid_number")
        if sender.status != "active":
            return invalid("The from number is not active.", "number_not_active")
        if not sender.offer.sms:
            return invalid("SMS is not available on this number.", "sms_not_supported")
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(body["to"], None))
        except phonenumbers.NumberParseException:
            valid = False
        if not valid or not body["to"].startswith("+"):
            return invalid("The to field must be a valid E.164 number.")
        segments = max(1, math.ceil(len(body["body"]) / 160))
        cost = SMS_SEGMENT_CENTS * segments
        if cost > self.state.balance_cents:
            return invalid("Wallet balance too low for this purchase.", "insufficient_balance")
        message = {
            "id": f"msg_{self.state.next_id('message', 1)}",
            "from": body["from"],
            "to": body["to"],
            "status": "queued",
            "segments": segments,
            "cost": cost,
        }
        self.state.messages.append(message | {"body": body["body"]})
        self.state.record_transaction(
            amount=-cost,
            description=f"SMS to {body['to']}",
            reference_type="message",
            reference_id=message["id"],
        )
        return ok({"data": message}, 201)
