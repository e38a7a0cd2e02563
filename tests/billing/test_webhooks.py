"""Provider callbacks and webhooks: /webhooks/providers/<account name>/ (issue 5). DIDWW,
routing and the service; DIDfarm in test_webhooks_didfarm.py."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from django.db import connection, transaction

import billing.tasks
from billing.models import ItemState, ProviderEvent
from billing.models_ledger import LedgerTransaction
from billing.provisioning import callback_url
from billing.webhooks import InboundEvent, provider_event_receive
from inventory.accounts import provider_account_create
from inventory.models import Number
from inventory.providers.didww import callbacks
from inventory.sandbox.delivery import deliver_due_callbacks
from inventory.sandbox.registry import sandbox_for
from tests.billing.conftest import sandbox_account

from .webhooks_support import (
    DIDWW_KEY,
    FAR,
    SECRET,
    client_post,
    didfarm_body,
    didfarm_send,
    didww_complete_upstream,
    didww_send,
    submitted_item,
    url,
)


@pytest.fixture
def didww(store):
    return sandbox_account("didww", name="didww-hooks")


def test_a_signed_didww_callback_is_stored_and_the_item_advanced(
    web, store, didww, django_capture_on_commit_callbacks
):
    item = submitted_item(store, didww)
    didww_complete_upstream(didww, item)
    params = {"id": item.external_id, "status": "completed", "type": "orders"}
    with django_capture_on_commit_callbacks(execute=True):
        response = didww_send(web, didww, params)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "duplicate": False}
    event = ProviderEvent.objects.get()
    assert (event.provider_account, event.item, event.kind) == (didww, item, "orders.completed")
    assert event.payload == params
    assert "checking" in event.outcome
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED
    assert Number.objects.filter(order_reference=item.reference).count() == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_didww_callbacks_come_by_get_or_post(
    web, store, didww, method, django_capture_on_commit_callbacks
):
    item = submitted_item(store, didww)
    didww_complete_upstream(didww, item)
    params = {"id": item.external_id, "status": "completed", "type": "orders"}
    with django_capture_on_commit_callbacks(execute=True):
        response = didww_send(web, didww, params, method=method)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED


def test_the_real_flow_sandbox_callback_fulfils_without_a_poll(
    web, store, didww, django_capture_on_commit_callbacks
):
    item = submitted_item(store, didww)
    sandbox = sandbox_for("didww", didww.name)
    polls_before = sandbox.state.orders[item.external_id].polls
    didww_complete_upstream(didww, item)
    assert len(sandbox.state.callbacks_due) == 1
    with django_capture_on_commit_callbacks(execute=True):
        results = deliver_due_callbacks(sandbox, client_post(web))
    assert [status for _d, status in results] == [200]
    assert results[0][0].url == callback_url(didww)  # the URL provisioning gave DIDWW
    assert sandbox.state.callbacks_due == []
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED
    assert item.delivered_numbers
    # Our poll was a year away; the order was read once, by the task the callback started.
    assert sandbox.state.orders[item.external_id].polls == polls_before + 1
    item.order.refresh_from_db()
    assert item.order.status == "completed"


def test_a_replayed_callback_is_acknowledged_and_changes_nothing(
    web, store, didww, django_capture_on_commit_callbacks, monkeypatch
):

    calls = []
    real = billing.tasks.order_item_advance
    monkeypatch.setattr(
        billing.tasks, "order_item_advance", lambda **kw: calls.append(kw) or real(**kw)
    )
    item = submitted_item(store, didww)
    didww_complete_upstream(didww, item)
    params = {"id": item.external_id, "status": "completed", "type": "orders"}
    with django_capture_on_commit_callbacks(execute=True):
        first = didww_send(web, didww, params)
        second = didww_send(web, didww, params, method="GET")  # the same event by the other form
    assert first.json()["duplicate"] is False
    assert second.status_code == 200 and second.json()["duplicate"] is True
    assert ProviderEvent.objects.count() == 1
    assert calls == [{"item_id": item.pk}]
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED
    assert LedgerTransaction.objects.filter(order=item.order, kind="capture").count() == 1


def test_an_event_out_of_order_never_moves_the_item_back(
    web, store, didww, django_capture_on_commit_callbacks
):
    item = submitted_item(store, didww)
    didww_complete_upstream(didww, item)
    done = {"id": item.external_id, "status": "completed", "type": "orders"}
    with django_capture_on_commit_callbacks(execute=True):
        didww_send(web, didww, done)
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED
    before = (item.resolved_at, item.delivered_numbers, LedgerTransaction.objects.count())

    late = {"id": item.external_id, "status": "pending", "type": "orders"}
    with django_capture_on_commit_callbacks(execute=True):
        response = didww_send(web, didww, late)
    assert response.status_code == 200 and response.json()["duplicate"] is False
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED
    assert (item.resolved_at, item.delivered_numbers, LedgerTransaction.objects.count()) == before
    assert "nothing to do" in ProviderEvent.objects.get(kind="orders.pending").outcome


def test_a_stale_pending_event_is_not_trusted_the_provider_is_asked(
    web, store, didww, django_capture_on_commit_callbacks
):
    """The payload says pending, DIDWW's order is complete: the item follows the provider."""
    item = submitted_item(store, didww)
    didww_complete_upstream(didww, item)
    params = {"id": item.external_id, "status": "pending", "type": "orders"}
    with django_capture_on_commit_callbacks(execute=True):
        assert didww_send(web, didww, params).status_code == 200
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED


@pytest.mark.parametrize(
    "case",
    ["missing", "wrong key", "tampered", "other url", "garbage"],
)
def test_a_bad_didww_signature_is_401_and_changes_nothing(web, store, didww, case):
    item = submitted_item(store, didww)
    params = {"id": item.external_id, "status": "completed", "type": "orders"}
    kwargs = {
        "missing": {"sig": ""},
        "wrong key": {"key": "not-the-key"},
        # A signature made for other parameters than the ones sent.
        "tampered": {
            "sig": callbacks.signature(
                DIDWW_KEY, callback_url(didww), {**params, "status": "canceled"}
            )
        },
        # The host the request arrived with is not what DIDWW signed: SITE_URL + path is.
        "other url": {"signed_url": "http://testserver" + url(didww)},
        "garbage": {"sig": "zz\u00e9" * 10},
    }[case]
    response = didww_send(web, didww, params, **kwargs)
    assert response.status_code == 401
    assert ProviderEvent.objects.count() == 0
    item.refresh_from_db()
    assert item.poked_at is None and item.next_check_at == FAR


def test_didww_signs_the_site_url_not_the_request_host(
    web, store, didww, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.com"
    item = submitted_item(store, didww)
    didww_complete_upstream(didww, item)
    params = {"id": item.external_id, "status": "completed", "type": "orders"}
    signed = "https://portal.example.com" + url(didww)
    assert callback_url(didww) == signed
    with django_capture_on_commit_callbacks(execute=True):
        response = didww_send(web, didww, params, signed_url=signed)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED


@pytest.mark.parametrize(
    "params",
    [
        {"status": "completed", "type": "orders"},  # no id
        {"id": "", "status": "completed", "type": "orders"},
        {"id": "a b", "status": "completed", "type": "orders"},
        {"id": "x" * 300, "status": "completed", "type": "orders"},
        {"id": "1dd7a68b", "type": "orders"},  # no status
        {"id": "1dd7a68b", "status": "completed"},  # no type
        {"id": "1dd7a68b\x00", "status": "completed", "type": "orders"},
        {"id": "1dd7a68b", "status": "completed", "type": "orders", "note": "nul\x00"},
    ],
)
def test_a_signed_malformed_didww_callback_is_400(web, db, params):
    account = provider_account_create(kind="didww", name="didww-bare", sandbox=True)
    response = didww_send(web, account, params)
    assert response.status_code == 400
    assert ProviderEvent.objects.count() == 0


def test_a_repeated_didww_parameter_is_400(web, db):
    account = provider_account_create(kind="didww", name="didww-bare", sandbox=True)
    params = {"id": "1dd7a68b", "status": "completed", "type": "orders"}
    sig = callbacks.signature(DIDWW_KEY, callback_url(account), params)
    body = "id=other&id=1dd7a68b&status=completed&type=orders"  # signed with the last id
    response = web.post(
        url(account),
        body,
        content_type="application/x-www-form-urlencoded",
        headers={callbacks.SIGNATURE_HEADER: sig},
    )
    assert response.status_code == 400
    assert ProviderEvent.objects.count() == 0


def test_a_callback_about_an_unknown_order_is_acknowledged_and_logged(web, store, didww, caplog):
    item = submitted_item(store, didww)
    params = {"id": "1dd7a68b-e235-402b-8912-fe73ee14243a", "status": "completed", "type": "orders"}
    with caplog.at_level(logging.INFO, logger="didhub.webhooks"):
        response = didww_send(web, didww, params)
    assert response.status_code == 200
    event = ProviderEvent.objects.get()
    assert event.item is None
    assert "no order item of ours matches 1dd7a68b-e235" in event.outcome
    assert "1dd7a68b-e235" in caplog.text
    item.refresh_from_db()
    assert item.poked_at is None


def test_events_are_matched_within_their_own_account_only(web, store, didww, didfarm_bare):
    """A DIDfarm event naming the DIDWW item's upstream id must not touch that item."""
    item = submitted_item(store, didww)
    body = didfarm_body(order_id=item.external_id, number="+31201234567")
    assert didfarm_send(web, didfarm_bare, body).status_code == 200
    assert ProviderEvent.objects.get().item is None
    item.refresh_from_db()
    assert item.poked_at is None


# --- routing -------------------------------------------------------------------------------------


def test_unknown_accounts_and_kinds_without_callbacks_are_404(web, db):
    provider_account_create(kind="idtexpress", name="idt", sandbox=True)
    assert web.post("/webhooks/providers/nobody/", {"id": "1"}).status_code == 404
    assert web.post("/webhooks/providers/idt/", {"id": "1"}).status_code == 404
    assert ProviderEvent.objects.count() == 0


def test_other_methods_are_405(web, didfarm_bare):
    assert web.put(url(didfarm_bare), b"{}").status_code == 405
    assert web.delete(url(didfarm_bare)).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_event_at_once_store_it_once():
    """The second delivery's insert waits on the first's uncommitted row, then loses cleanly."""
    account = provider_account_create(
        kind="didfarm", name="racing", sandbox=True, rate_limit="", webhook_secret=SECRET
    )
    event = InboundEvent(event_id="evt_race", kind="number.activated", payload={"n": 1})
    results = []

    def second_delivery():
        try:
            results.append(provider_event_receive(account=account, event=event))
        finally:
            connection.close()

    with transaction.atomic():  # the first delivery, mid-flight
        ProviderEvent.objects.create(provider_account=account, event_id="evt_race", kind="x")
        other = threading.Thread(target=second_delivery)
        other.start()
        time.sleep(0.5)  # the other insert is now waiting on our row
        assert other.is_alive()
    other.join(10)
    ((stored, created),) = results
    assert created is False and stored.kind == "x"
    assert ProviderEvent.objects.count() == 1
