"""Shared fixtures for the PBXme client/adapter tests (no database, no Django)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import respx
import stamina

from inventory.providers.http import READ_ATTEMPTS, AccountConfig
from inventory.providers.pbxme.adapter import PbxmeAdapter
from inventory.providers.pbxme.client import DEFAULT_BASE_URL, PbxmeClient

CREDENTIALS = {"username": "YOUR_USERNAME", "password": "YOUR_PASSWORD"}


@pytest.fixture(autouse=True)
def fast_retries() -> Iterator[None]:
    """Retries happen (up to the real attempt count) but without sleeping."""
    with stamina.set_testing(True, attempts=READ_ATTEMPTS):
        yield


def make_config(**overrides: Any) -> AccountConfig:
    values: dict[str, Any] = {
        "name": "pbxme-test",
        "kind": "pbxme",
        "base_url": DEFAULT_BASE_URL,
        "currency": "USD",
        "credentials": CREDENTIALS,
        "countries": ("FR",),
    }
    values.update(overrides)
    return AccountConfig(**values)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=DEFAULT_BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def pbx() -> Iterator[PbxmeClient]:
    c = PbxmeClient(make_config())
    yield c
    c.close()


@pytest.fixture
def adapter() -> Iterator[PbxmeAdapter]:
    a = PbxmeAdapter(make_config())
    yield a
    a.close()
