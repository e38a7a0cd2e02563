"""The listing watch: the pagers' quiet early stops are gaps a reconciliation can see."""

from __future__ import annotations

from inventory.providers.didfarm.client import paged
from inventory.providers.didfarm.wire import Page, page_of
from inventory.providers.listing import listing_gap, listing_watch


def _pages(*pages: Page):
    return lambda number: (
        pages[number - 1] if number <= len(pages) else Page((), 0, None, number, "")
    )


def _page(first: int, count: int, total: int | None) -> Page:
    items = tuple(range(first, first + count))
    return Page(items, count, total, None, str(first))


def test_a_gap_outside_a_watch_is_nothing():
    listing_gap("nobody is looking")  # no error, no state


def test_watch_collects_gaps_and_forgets_them_after():
    with listing_watch() as outer:
        listing_gap("one")
    assert outer.gaps == ["one"] and not outer.complete
    with listing_watch() as fresh:
        pass
    assert fresh.complete


def test_every_page_up_to_the_total_is_complete():
    with listing_watch() as watch:
        items = list(paged(_pages(_page(0, 2, 3), _page(2, 1, 3))))
    assert items == [0, 1, 2] and watch.complete


def test_an_empty_page_before_the_total_is_a_gap():
    with listing_watch() as watch:
        items = list(paged(_pages(_page(0, 2, 5))))
    assert items == [0, 1] and watch.gaps == ["DIDfarm: page 2 was empty after 2 of 5 records"]


def test_a_page_without_a_total_or_a_repeated_page_is_a_gap():
    with listing_watch() as watch:
        list(paged(_pages(_page(0, 2, None))))
    assert "no meta.total" in watch.gaps[0]
    with listing_watch() as watch:
        list(paged(_pages(_page(0, 2, 9), _page(0, 2, 9))))
    assert "repeated" in watch.gaps[0]


def test_a_skipped_record_is_a_gap():
    with listing_watch() as watch:
        page = page_of({"data": [{"id": 1}], "meta": {"total": 1}}, "owned number",
                       lambda raw: int("not a number"), requested_page=1)  # fmt: skip
    assert page.items == () and watch.gaps and "skipped" in watch.gaps[0]
