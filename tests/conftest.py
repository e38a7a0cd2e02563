"""Suite-wide fixtures, and the rule for missing services.

Tests that need PostgreSQL (any database test), Redis (``@pytest.mark.redis``) or Chromium
(``@pytest.mark.e2e``) are skipped with one loud summary line when the service is missing, and
fail the run instead when ``CI`` is set.
"""

from __future__ import annotations

import os

import pytest

from tests import services

_missing: dict[str, int] = {}


def _needs_database(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(
        item.get_closest_marker("django_db")
        or fixtures & {"db", "transactional_db", "live_server", "client", "admin_client"}
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    requirements = (
        ("PostgreSQL", services.postgres_up, _needs_database),
        ("Redis", services.redis_up, lambda item: item.get_closest_marker("redis")),
        ("Chromium", services.chromium_present, lambda item: item.get_closest_marker("e2e")),
    )
    for name, available, needed in requirements:
        wanted = [item for item in items if needed(item)]
        if not wanted or available():
            continue
        if os.environ.get("CI"):
            raise pytest.UsageError(
                f"CI is set but {name} is unreachable: {len(wanted)} tests need it"
            )
        _missing[name] = len(wanted)
        for item in wanted:
            item.add_marker(pytest.mark.skip(reason=f"{name} is not reachable"))


def pytest_terminal_summary(terminalreporter) -> None:
    for name, count in _missing.items():
        terminalreporter.write_line(
            f"!!! SKIPPED {count} TESTS: {name} is not reachable — start it for a full run !!!",
            red=True,
            bold=True,
        )


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """allauth's rate limits live in the cache: every test starts with a clean slate."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield  # pure tests run with -p no:django
        return
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
