"""For adapters without the ``"trunks"`` capability: the trunk methods refuse, as the contract
says (``types.ProviderAdapter``: what ``capabilities`` do not declare raises ``InvalidRequest``),
before any call upstream."""

from __future__ import annotations

from typing import ClassVar

from .errors import InvalidRequest
from .types import TrunkCredentials


class NoTrunks:
    kind: ClassVar[str]

    def _no_trunks(self) -> InvalidRequest:
        return InvalidRequest(
            f"{self.kind} makes no SIP trunks with credentials for clients", field="kind"
        )

    def trunk_create(self, name: str) -> TrunkCredentials:
        raise self._no_trunks()

    def trunk_regenerate(self, external_id: str) -> TrunkCredentials:
        raise self._no_trunks()

    def trunk_delete(self, external_id: str) -> None:
        raise self._no_trunks()
