"""Inbound text messages in the DIDfarm simulator (a mixin of ``DidfarmSandbox``).

DIDfarm announces an inbound SMS with a signed ``message.received`` webhook (Connect guide,
"Webhooks"); the guide shows no payload for it, so the simulator sends what didhub reads
(``inventory/providers/didfarm/webhooks.py``)::

    {"event": "message.received", "timestamp": "...",
     "data": {"message_id": "in_1", "number": "+31201234567", "from": "+31612345678",
              "body": "..."}}

Two ways a message arrives, both queued in ``state.webhooks_due`` and delivered by the sandbox's
webhook deliverer (``delivery.py``) on its next round, i.e. shortly after:

- every message sent with ``POST /messages/send`` is answered by an auto-reply from the number it
  was sent to (``auto_reply``; set it to False to stop that);
- ``inbound_message(number, sender, body)`` — or, over HTTP, ``POST /sandbox/messages/inbound``
  with ``{"to", "from", "body"}`` and the account's API key (not a DIDfarm endpoint: the
  simulator's own, for tests and the demo; ``manage.py sandbox inbound-sms`` calls it).

Sending keeps the fault options of every other call (``faults.py``): ``/messages/send`` is a
purchase there, so a "lost purchase" fault sends the message (and its auto-reply) but loses the
answer.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import phonenumbers

from .didfarm_state import Did, DidfarmState, error, invalid, ok

AUTO_REPLY = "Auto-reply from {number}: got your message “{excerpt}”"


class MessageHandlers:
    state: DidfarmState
    webhook_secret: str
    auto_reply: bool = True

    def _message_routes(self) -> list[tuple[str, re.Pattern[str], Any]]:
        return [("POST", re.compile(r"/sandbox/messages/inbound"), self._inbound_endpoint)]

    def _send_message(self, body: dict[str, Any]) -> httpx.Response:
        response = super()._send_message(body)  # type: ignore[misc]
        if response.status_code == 201 and self.auto_reply:
            excerpt = body["body"].strip()
            excerpt = excerpt if len(excerpt) <= 40 else excerpt[:39] + "…"
            self.inbound_message(
                body["from"],
                body["to"],
                AUTO_REPLY.format(number=body["from"], excerpt=excerpt),
            )
        return response

    def inbound_message(self, number: str, sender: str, body: str) -> str:
        """Queue a ``message.received`` webhook for a text from ``sender`` to ``number`` (one of
        the account's numbers with SMS); returns its message id. ``ValueError`` otherwise."""
        did = self._sms_did(number)
        if did is None:
            raise ValueError(f"{number} is not an active number with SMS on this account")
        # Unique across restarts of a served simulator: didhub drops a message id it has seen.
        boot = self.__dict__.setdefault("_boot_tag", format(int(time.time()), "x"))
        message_id = f"in_{boot}_{self.state.next_id('inbound_message', 1)}"
        data = {"message_id": message_id, "number": number, "from": sender, "body": body}
        self.state.messages.append({"id": message_id, "direction": "inbound", **data})
        self.state.webhook(self.webhook_secret, "message.received", data)
        return message_id

    def _sms_did(self, number: str) -> Did | None:
        for did in self.state.numbers.values():
            if did.offer.number == number and did.status == "active" and did.offer.sms:
                return did
        return None

    def _inbound_endpoint(self, body: dict[str, Any]) -> httpx.Response:
        for name in ("to", "from", "body"):
            if not isinstance(body.get(name), str) or not body[name].strip():
                return invalid(f"The {name} field is required.")
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(body["from"], None))
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            return invalid("The from field must be a valid E.164 number.")
        try:
            message_id = self.inbound_message(body["to"], body["from"], body["body"])
        except ValueError as exc:
            return error(404, str(exc), "not_found")
        return ok({"data": {"message_id": message_id, "status": "queued"}}, 201)
