"""The admin's operations page: every kind of stuck thing, built and then found."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from billing.models import ItemState, Order, OrderItem
from billing.selectors_operations import operations_counts, operations_overview
from inventory.models import DidGroup, ProviderAccount
from tests.billing.orders_helpers import buy, fund
from tests.factories import UserFactory

D = Decimal
OPERATIONS = "/admin/operations/"


@pytest.fixture(autouse=True)
def no_provisioning(monkeypatch):
    queued: list[list[int]] = []
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", queued.append)
    return queued


@pytest.fixture
def order(shop) -> Order:
    fund(shop)
    return buy(shop, DidGroup.objects.get(external_id="us-3"))


def copy_item(item: OrderItem, suffix: str, **fields) -> OrderItem:
    """Another item of the same order, in the state given."""
    copy = OrderItem.objects.get(pk=item.pk)
    copy.pk = None
    copy.reference = f"{item.reference}-{suffix}"
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def placed_ago(order: Order, delta: timedelta) -> None:
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - delta)


def account(name: str, **fields) -> ProviderAccount:
    """A provider account in good health unless ``fields`` say otherwise."""
    now = timezone.now()
    values = {
        "kind": "didww", "base_url": "https://api.example.com", "currency": "USD",
        "last_sync_at": now, "last_sync_status": ProviderAccount.SyncStatus.OK,
        "last_check_ok": True, "balance": D("500"), "balance_checked_at": now,
        **fields,
    }  # fmt: skip
    created = ProviderAccount.objects.create(name=name, **values)
    if "created_at" in fields:  # auto_now_add ignores what create() was given
        ProviderAccount.objects.filter(pk=created.pk).update(created_at=fields["created_at"])
    return created


@pytest.fixture
def trouble(order):
    """One of every problem, and for each a near miss that must not be listed."""
    now = timezone.now()
    first = order.items.get()
    placed_ago(order, timedelta(minutes=3))
    OrderItem.objects.filter(pk=first.pk).update(state=ItemState.PENDING_UPSTREAM)
    dead = copy_item(
        first, "dead", state=ItemState.DEAD_LETTER, attempts=8,
        state_before_dead_letter=ItemState.SUBMITTING,
        last_error="submit: AuthFailed: didww said 401 Unauthorized",
    )  # fmt: skip
    copy_item(first, "done", state=ItemState.FULFILLED)
    copy_item(first, "stock", state=ItemState.BACKORDERED)  # 3 min: a back-order is on time
    accounts = {
        "failed": account(
            "sync-failed",
            last_sync_status=ProviderAccount.SyncStatus.FAILED,
            last_sync_error="Unavailable: 502 Bad Gateway",
        ),
        "late": account("sync-late", last_sync_at=now - timedelta(hours=30)),
        "never": account(
            "sync-never",
            last_sync_at=None,
            last_sync_status="never",
            created_at=now - timedelta(days=2),
        ),
        "new": account(
            "just-added",
            last_sync_at=None,
            last_sync_status="never",
            last_check_ok=None,
            balance=None,
        ),
        "check": account("check-failed", last_check_ok=False, last_check_detail="401 bad key"),
        "low": account("low-default", balance=D("12.50")),
        "low_own": account("low-own", balance=D("80"), low_balance_threshold=D("100")),
        "ok_own": account("fine-own", balance=D("20"), low_balance_threshold=D("0")),
        "disabled": account(
            "disabled",
            enabled=False,
            last_check_ok=False,
            balance=D("1"),
            last_sync_status=ProviderAccount.SyncStatus.FAILED,
        ),
    }
    return {"overdue": first, "dead": dead, "accounts": accounts}


def names(accounts) -> set[str]:
    return {a.name for a in accounts}


# --- the selector -----------------------------------------------------------------------------


def test_every_problem_is_found_and_nothing_else(trouble):
    ops = operations_overview()
    assert [i.pk for i in ops.dead_letters] == [trouble["dead"].pk]
    assert ops.dead_letters[0].stopped_in == "Submitting"
    assert [i.pk for i in ops.overdue] == [trouble["overdue"].pk]
    assert {(a.name, a.sync_problem) for a in ops.sync_problems} == {
        ("sync-failed", "failed"),
        ("sync-late", "late"),
        ("sync-never", "never"),
    }
    assert names(ops.check_failures) == {"check-failed"}
    assert names(ops.low_balances) == {"low-default", "low-own"}
    limits = {a.name: a.low_balance_limit for a in ops.low_balances}
    assert limits == {"low-default": D("50"), "low-own": D("100")}
    assert ops.counts == operations_counts()
    assert (ops.counts.dead_letters, ops.counts.overdue) == (1, 1)
    assert (ops.counts.sync_problems, ops.counts.check_failures, ops.counts.low_balances) == (
        3,
        1,
        2,
    )
    assert ops.counts.total == 8


def test_the_default_low_balance_threshold_is_a_setting(trouble, settings):
    settings.PROVIDER_LOW_BALANCE_DEFAULT = "10"
    assert names(operations_overview().low_balances) == {"low-own"}


def test_a_fresh_order_and_healthy_accounts_are_no_problem(order):
    account("healthy")
    ops = operations_overview()
    assert ops.counts.total == 0 and not ops.dead_letters and not ops.overdue


def test_an_item_becomes_overdue_after_the_expected_minute(order):
    placed_ago(order, timedelta(seconds=10))
    assert operations_counts().overdue == 0
    placed_ago(order, timedelta(seconds=70))
    assert operations_counts().overdue == 1


def test_many_rows_take_a_handful_of_queries(trouble, django_assert_max_num_queries):
    first = trouble["overdue"]
    for n in range(5):
        copy_item(first, f"d{n}", state=ItemState.DEAD_LETTER, last_error="x")
        copy_item(first, f"o{n}", state=ItemState.SUBMITTING)
    # item counts, account survey, upstream action counts, trunks to delete, the two kinds of
    # item rows
    with django_assert_max_num_queries(6):
        ops = operations_overview()
        # Everything the page shows of a row is loaded with it.
        for item in [*ops.dead_letters, *ops.overdue]:
            assert item.order.client.name and item.order.reseller.name
            assert item.provider_account.name
    assert (len(ops.dead_letters), len(ops.overdue)) == (6, 6)
    with django_assert_max_num_queries(4):  # items, accounts, upstream actions, trunks
        operations_counts()


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def superuser(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def staff_with(client, *codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_the_page_lists_each_section_with_links_to_the_change_pages(superuser, trouble):
    response = superuser.get(OPERATIONS)
    assert response.status_code == 200
    html = response.content.decode()
    dead, overdue = trouble["dead"], trouble["overdue"]
    assert reverse("admin:billing_orderitem_change", args=[dead.pk]) in html
    assert reverse("admin:billing_orderitem_change", args=[overdue.pk]) in html
    assert reverse("admin:billing_order_change", args=[dead.order_id]) in html
    assert "didww said 401 Unauthorized" in html  # the provider's words, for admins
    assert reverse("admin_operations_retry", args=[dead.pk]) in html
    for key in ("failed", "late", "never", "check", "low", "low_own"):
        acct = trouble["accounts"][key]
        assert reverse("admin:inventory_provideraccount_change", args=[acct.pk]) in html, key
    assert "502 Bad Gateway" in html and "401 bad key" in html and "12.50 USD" in html
    for hidden in ("just-added", "fine-own", ">disabled<"):
        assert hidden not in html
    assert 'id="count-dead-letters">1<' in html and 'id="count-sync">3<' in html
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither


def test_the_page_takes_a_handful_of_queries(superuser, trouble, django_assert_max_num_queries):
    for n in range(5):
        copy_item(trouble["overdue"], f"d{n}", state=ItemState.DEAD_LETTER)
    superuser.get(OPERATIONS)  # the idle-session clock is written at most once a minute
    # session, user, membership, brand, the six of the selector (trunks to delete counted)
    with django_assert_max_num_queries(10):
        assert superuser.get(OPERATIONS).status_code == 200


def test_retry_sends_a_dead_letter_back_where_it_stopped(
    superuser, trouble, no_provisioning, django_capture_on_commit_callbacks
):
    dead = trouble["dead"]
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("admin_operations_retry", args=[dead.pk])
        response = superuser.post(url, follow=True)
    assert response.redirect_chain[-1][0] == OPERATIONS
    dead.refresh_from_db()
    assert dead.state == ItemState.SUBMITTING and dead.attempts == 0
    assert no_provisioning == [[dead.pk]]
    assert "sent back to provisioning" in response.content.decode()
    [event] = AuditEvent.objects.filter(action="order_item.retry")  # who retried it, and where
    assert event.target_id == str(dead.pk) and event.reseller_id == dead.order.reseller_id
    assert event.actor_role == "platform_admin" and event.changes["state"][0] == "dead_letter"


def test_retry_of_an_item_that_is_not_dead_lettered_changes_nothing(superuser, trouble):
    item = trouble["overdue"]
    response = superuser.post(reverse("admin_operations_retry", args=[item.pk]), follow=True)
    assert "was not retried" in response.content.decode()
    item.refresh_from_db()
    assert item.state == ItemState.PENDING_UPSTREAM
    assert not AuditEvent.objects.filter(action="order_item.retry").exists()
    assert superuser.get(reverse("admin_operations_retry", args=[item.pk])).status_code == 405
    assert superuser.post(reverse("admin_operations_retry", args=[10**9])).status_code == 404


def test_only_platform_staff_reach_it(client, trouble, shop):
    response = client.get(OPERATIONS)
    assert response.status_code == 302 and "/admin/login/" in response.url
    client.force_login(shop["owner"])  # a reseller owner: signed in, not staff
    response = client.get(OPERATIONS)
    assert response.status_code == 302 and "/admin/login/" in response.url
    staff_with(client)  # staff, but may not see order items or accounts
    assert client.get(OPERATIONS).status_code == 403
    dead = trouble["dead"]
    assert client.post(reverse("admin_operations_retry", args=[dead.pk])).status_code == 403


def test_staff_who_may_look_but_not_retry_get_no_retry_button(client, trouble):
    staff_with(client, "view_orderitem", "view_provideraccount")
    response = client.get(OPERATIONS)
    assert response.status_code == 200
    dead = trouble["dead"]
    assert reverse("admin_operations_retry", args=[dead.pk]) not in response.content.decode()
    assert client.post(reverse("admin_operations_retry", args=[dead.pk])).status_code == 403
    dead.refresh_from_db()
    assert dead.state == ItemState.DEAD_LETTER


def test_the_admin_index_shows_the_counts_and_links_to_the_page(superuser, trouble):
    html = superuser.get(reverse("admin:index")).content.decode()
    assert 'id="operations-summary"' in html and f'href="{OPERATIONS}"' in html
    assert (
        f'href="{OPERATIONS}#dead-letters">Dead letters</a></th><td class="ops-num ops-bad">1<'
        in html
    )


def test_the_index_hides_the_summary_from_staff_who_may_not_see_it(client, db):
    staff_with(client, "view_order")
    html = client.get(reverse("admin:index")).content.decode()
    assert "operations-summary" not in html
