"""For adapters without the ``"sms"`` capability: ``sms_send`` refuses, as the contract says
(``types.ProviderAdapter``: what ``capabilities`` do not declare raises ``InvalidRequest``)."""

from __future__ import annotations

from typing import ClassVar

from .errors import InvalidRequest
from .types import SentMessage


class NoTexts:
    kind: ClassVar[str]

    def sms_send(self, sender: str, to: str, body: str) -> SentMessage:
        raise InvalidRequest(
            f"{self.kind} numbers cannot send text messages through its API",
            field="from",
            code="sms_not_supported",
        )
