"""adapter_for: one adapter (one httpx client) per account per process, replaced and closed when
the account's configuration changes, forgotten (not closed) in a forked child."""

from __future__ import annotations

import os

import pytest

from inventory.accounts import adapter_for, provider_account_create
from inventory.adapter_pool import POOL

pytestmark = pytest.mark.django_db


def _http(adapter):
    return adapter.client.http.client  # the httpx.Client under the adapter


@pytest.fixture
def account():
    return provider_account_create(kind="didww", name="pooled", sandbox=True, rate_limit="")


def test_one_adapter_per_account_reused(account):
    first = adapter_for(account)
    assert adapter_for(account) is first
    assert first.check().ok  # a pooled adapter works, and keeps working
    assert adapter_for(account) is first and not _http(first).is_closed


def test_accounts_do_not_share_adapters(account):
    other = provider_account_create(kind="didww", name="pooled-2", sandbox=True, rate_limit="")
    assert adapter_for(account) is not adapter_for(other)


def test_changed_credentials_replace_the_adapter_and_close_the_old_one(account):
    old = adapter_for(account)
    account.credentials = {"api_key": "rotated"}
    account.save(update_fields=["credentials"])
    new = adapter_for(account)
    assert new is not old
    assert _http(old).is_closed and not _http(new).is_closed
    assert new.client.http.config.credentials == {"api_key": "rotated"}


@pytest.mark.parametrize(
    "change", [{"base_url": "https://elsewhere.example"}, {"sandbox_faults": {"error_rate": 0.5}}]
)
def test_any_change_to_the_configuration_replaces_it(account, change):
    old = adapter_for(account)
    for field, value in change.items():
        setattr(account, field, value)
    assert adapter_for(account) is not old
    assert _http(old).is_closed


def test_an_adapter_closed_by_a_caller_is_rebuilt(account):
    old = adapter_for(account)
    old.close()
    new = adapter_for(account)
    assert new is not old and not _http(new).is_closed


def test_overrides_get_their_own_adapter(account):
    pooled = adapter_for(account)
    own = adapter_for(account, retry_reads=False)
    assert own is not pooled and adapter_for(account, retry_reads=False) is not own
    own.close()
    assert adapter_for(account) is pooled


def test_close_all_closes_every_adapter(account):
    adapter = adapter_for(account)
    POOL.close_all()
    assert _http(adapter).is_closed and len(POOL) == 0


def test_a_forked_child_forgets_the_parents_adapters(account):
    parent = adapter_for(account)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it sees, never run the rest of pytest
        try:
            os.write(write, f"{len(POOL)} {int(_http(parent).is_closed)}".encode())
        finally:
            os._exit(0)
    os.close(write)
    seen = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert seen == "0 0"  # empty pool in the child; the parent's client was not closed there
    assert adapter_for(account) is parent and not _http(parent).is_closed
