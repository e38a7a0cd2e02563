"""A scripted provider for the state machine: it answers what the running rule told it to and
counts the purchases it takes."""

from __future__ import annotations

from collections import Counter

from inventory.providers import errors
from inventory.providers.types import OrderStatus, ProviderOrder


class Upstream:
    """The provider, answering what the running rule told it to."""

    def __init__(self) -> None:
        self.answer: dict[str, ProviderOrder] = {}  # our reference -> the order as it stands
        self.raise_next: dict[str, errors.ProviderError] = {}
        self.lost_next: set[str] = set()  # the purchase goes through, its answer is lost
        self.purchases: Counter[str] = Counter()  # our reference -> orders placed upstream
        self.on_poll = None  # a hook run inside get_order (the late-worker rule)

    def set(self, ref: str, status: OrderStatus, numbers=(), detail="", awaiting=()) -> None:
        """``awaiting``: delivered numbers held upstream until their documents are approved."""
        self.answer[ref] = ProviderOrder(
            external_id=f"UP-{ref}", status=status, our_reference=ref, numbers=tuple(numbers),
            detail=detail, awaiting_registration=tuple(awaiting),
        )  # fmt: skip

    def _current(self, ref: str) -> ProviderOrder:
        if ref not in self.answer:
            self.set(ref, OrderStatus.PENDING)
        return self.answer[ref]

    def _raise_if_told(self, ref: str) -> None:
        error = self.raise_next.pop(ref, None)
        if error is not None:
            raise error

    # the adapter interface provisioning uses
    def place_order(self, request):
        ref = request.our_reference
        self._raise_if_told(ref)
        self.purchases[ref] += 1
        if ref in self.lost_next:
            self.lost_next.discard(ref)
            raise errors.OutcomeUnknown("answer lost after the purchase")
        return self._current(ref)

    def find_order(self, our_reference, **_kwargs):
        self._raise_if_told(our_reference)
        return self._current(our_reference) if self.purchases[our_reference] else None

    def get_order(self, external_id):
        ref = external_id.removeprefix("UP-")
        self._raise_if_told(ref)
        answer = self._current(ref)
        if self.on_poll is not None:
            hook, self.on_poll = self.on_poll, None
            hook(ref)
        return answer
