"""Keeping the provider in step with a number's billing state (issue 11).

placeholder: the upstream branch implements it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inventory.models import Number


def upstream_action_request(*, number: Number, kind: str, reason: str = "") -> None:
    """Ask the provider to act on ``number``: kind is "suspend" | "restore" | "release".
    Call inside your transaction; the job is enqueued on commit; idempotent per (number, kind)
    while one is open; never raises for provider trouble.

    placeholder: the upstream branch implements it."""
