"""What clients and resellers read must never name the platform's providers (DESIGN.md: end
clients and resellers never see which upstream provider serves a number)."""

from __future__ import annotations

import re

from billing.models import OrderItem
from inventory.models import ProviderAccount
from inventory.providers.registry import PROVIDERS

# Every registered provider's label, and the short names people use for them.
PROVIDER_LABELS = (*(d.label for d in PROVIDERS.values()), "IDT")


def provider_words() -> list[str]:
    """Every provider's label, every provider account's name and every upstream order id."""
    words = [*PROVIDER_LABELS, *ProviderAccount.objects.values_list("name", flat=True)]
    words += OrderItem.objects.exclude(external_id="").values_list("external_id", flat=True)
    return words


def assert_no_provider_names(text: str, *extra: str) -> None:
    """``text`` names no provider, provider account or upstream order (nor any of ``extra``:
    a provider's own status words, say). Whole words, any case."""
    for word in (*provider_words(), *extra):
        pattern = rf"(?<![\w-]){re.escape(word)}(?![\w-])"
        found = re.search(pattern, text, flags=re.IGNORECASE)
        assert found is None, f"{word!r} reached a client or reseller: …{_around(text, found)}…"


def _around(text: str, found: re.Match) -> str:
    return text[max(0, found.start() - 80) : found.end() + 80]
