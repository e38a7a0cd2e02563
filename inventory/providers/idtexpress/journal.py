"""What this process asked IDT Express to buy, so a lost answer can be matched afterwards.

IDT's Create Order has no field for a reference of ours (only ``preview`` and ``order_items``), and
Get Orders filters by status only. An order whose answer was lost is therefore recognised by what
was ordered (DID group, quantity) and when, among orders no other reference has claimed. The
journal keeps exactly that per account: our reference -> attempt, and which upstream order each
reference ended up with. It lives in process memory; a worker that restarts loses it, and
``IdtExpressAdapter.find_order`` then needs the attempt's facts from didhub's own order row
(``request``, ``placed_after``) and the upstream orders other rows already own (``claimed``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

AccountKey = tuple[str, str, str]  # (kind, account name, base URL)
MAX_ATTEMPTS = 20_000  # per account; the oldest are forgotten first


@dataclass(slots=True)
class Attempt:
    our_reference: str
    group_id: str
    quantity: int
    started_at: datetime
    order_id: str = ""  # the upstream order, once known


class OrderJournal:
    def __init__(self, max_attempts: int = MAX_ATTEMPTS) -> None:
        self._max = max_attempts
        self._lock = threading.Lock()
        self._attempts: dict[AccountKey, OrderedDict[str, Attempt]] = {}

    def begin(
        self, account: AccountKey, our_reference: str, group_id: str, quantity: int, at: datetime
    ) -> None:
        with self._lock:
            book = self._attempts.setdefault(account, OrderedDict())
            book[our_reference] = Attempt(our_reference, group_id, quantity, at)
            book.move_to_end(our_reference)
            while len(book) > self._max:
                book.popitem(last=False)

    def settle(self, account: AccountKey, our_reference: str, order_id: str) -> None:
        with self._lock:
            attempt = self._attempts.get(account, {}).get(our_reference)
            if attempt is not None:
                attempt.order_id = order_id

    def forget(self, account: AccountKey, our_reference: str) -> None:
        """The call failed for certain (a refusal): nothing upstream to match later."""
        with self._lock:
            self._attempts.get(account, OrderedDict()).pop(our_reference, None)

    def attempt(self, account: AccountKey, our_reference: str) -> Attempt | None:
        with self._lock:
            return self._attempts.get(account, {}).get(our_reference)

    def reference_of(self, account: AccountKey, order_id: str) -> str:
        with self._lock:
            for attempt in self._attempts.get(account, {}).values():
                if attempt.order_id == order_id:
                    return attempt.our_reference
        return ""

    def claimed(self, account: AccountKey, *, besides: str) -> frozenset[str]:
        """Upstream orders already matched to references other than ``besides``."""
        with self._lock:
            return frozenset(
                a.order_id
                for ref, a in self._attempts.get(account, {}).items()
                if a.order_id and ref != besides
            )

    def clear(self) -> None:
        with self._lock:
            self._attempts.clear()


JOURNAL = OrderJournal()
