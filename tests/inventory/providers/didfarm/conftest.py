"""Fixtures for the DIDfarm client/adapter tests: no database, fast retries."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx
import stamina

from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.http import AccountConfig
from inventory.sandbox.didfarm import DidfarmSandbox

BASE = "https://didfarm.com/api/v1"
KEY = "df_live_abc123def456"


@pytest.fixture(autouse=True)
def fast_retries() -> Iterator[None]:
    # Backoff off, but keep the production attempt count so retry tests see real retries.
    stamina.set_testing(True, attempts=5)
    yield
    stamina.set_testing(False)


def make_config(
    *,
    transport: httpx.BaseTransport | None = None,
    countries: tuple[str, ...] = ("NL",),
    key: str = KEY,
    currency: str = "EUR",
) -> AccountConfig:
    return AccountConfig(
        name="df-test",
        kind="didfarm",
        base_url=BASE,
        currency=currency,
        credentials={"api_key": key},
        countries=countries,
        transport=transport,
        timeout=httpx.Timeout(2.0, connect=1.0),
    )


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
def adapter() -> DidfarmAdapter:
    """An adapter for respx tests (searching NL only)."""
    return DidfarmAdapter(make_config())


@pytest.fixture
def sandbox() -> DidfarmSandbox:
    return DidfarmSandbox(credentials={"api_key": KEY, "webhook_secret": "whsec_test"}, seed=7)


@pytest.fixture
def live(sandbox: DidfarmSandbox) -> DidfarmAdapter:
    """An adapter wired to the in-process sandbox."""
    return DidfarmAdapter(
        make_config(transport=sandbox.transport(), countries=("US", "NL", "DE", "GB"))
    )
