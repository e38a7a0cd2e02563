"""Whether a listing walk saw everything the provider holds (issue #12, reconciliation).

The pagers stop quietly where a catalogue sync is better off with what it got (a page without
a total, a repeated page, an empty page before the announced total, a record of an unexpected
shape). Reconciliation cannot: a number missing from a partial list is not "missing upstream".
So each such place calls ``listing_gap(why)``, which does nothing unless a caller watches the
walk with ``listing_watch()``; generators run in their consumer's context, so the watch sees
the gaps of every page the consumer pulled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class ListingWatch:
    gaps: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.gaps


_watch: ContextVar[ListingWatch | None] = ContextVar("listing_watch", default=None)


@contextmanager
def listing_watch() -> Iterator[ListingWatch]:
    watch = ListingWatch()
    token = _watch.set(watch)
    try:
        yield watch
    finally:
        _watch.reset(token)


def listing_gap(why: str) -> None:
    """The walk under way may have left something out (a no-op when nobody watches)."""
    watch = _watch.get()
    if watch is not None:
        watch.gaps.append(why)
