from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx
import stamina

from inventory.providers.idtexpress.adapter import IdtExpressAdapter

from .support import BASE, make_adapter


@pytest.fixture(autouse=True)
def fast_retries() -> Iterator[None]:
    # Three attempts, no backoff sleeps: retries are exercised without slowing the suite.
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture
def adapter() -> Iterator[IdtExpressAdapter]:
    a = make_adapter()
    yield a
    a.close()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock
