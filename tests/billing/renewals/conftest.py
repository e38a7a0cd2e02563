from __future__ import annotations

import pytest


@pytest.fixture
def upstream(monkeypatch) -> list[tuple[str, str]]:
    """The upstream actions the renewal services asked for, as (e164, kind)."""
    calls: list[tuple[str, str]] = []

    def record(*, number, kind, reason=""):
        calls.append((number.e164, kind))

    monkeypatch.setattr("billing.renewals.charging.upstream_action_request", record)
    monkeypatch.setattr("billing.renewals.services.upstream_action_request", record)
    return calls
