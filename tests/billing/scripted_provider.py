"""A provider whose answers a test scripts, for provisioning tests (the ``provider`` fixture in
this folder's conftest installs one)."""

from __future__ import annotations

from inventory.providers.types import ProviderOrder


class ScriptedProvider:
    """An adapter whose answers the test writes: each call pops the next scripted answer."""

    def __init__(self) -> None:
        self.place: list = []
        self.get: list = []
        self.find: list = []
        self.calls: list[str] = []

    def _next(self, script: list, name: str):
        self.calls.append(name)
        answer = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def place_order(self, request):
        return self._next(self.place, "place")

    def get_order(self, external_id):
        return self._next(self.get, "get")

    def find_order(self, our_reference, **kwargs):
        return self._next(self.find, "find")


def upstream(status, numbers=(), quantity=1):
    return ProviderOrder(
        external_id="up-1", status=status, numbers=tuple(numbers), quantity_ordered=quantity
    )
