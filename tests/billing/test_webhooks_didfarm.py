"""DIDfarm webhooks at /webhooks/providers/<account name>/ (issue 5)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from billing.models import ItemState, ProviderEvent
from inventory.accounts import provider_account_create
from inventory.sandbox.delivery import deliver_due_callbacks
from inventory.sandbox.faults import simulator_lock
from inventory.sandbox.registry import sandbox_for
from tests.billing.conftest import sandbox_account

from .webhooks_support import (
    SECRET,
    client_post,
    didfarm_body,
    didfarm_send,
    submitted_item,
    url,
)


@pytest.mark.parametrize("prefix", ["", "sha256=", "SHA256= "])
def test_didfarm_signatures_with_or_without_the_prefix(web, didfarm_bare, prefix):
    body = didfarm_body(order_id=42, number="+31201234567")
    response = didfarm_send(web, didfarm_bare, body, prefix=prefix)
    assert response.status_code == 200
    event = ProviderEvent.objects.get()
    assert event.event_id == "sha256:" + hashlib.sha256(body).hexdigest()
    assert event.kind == "number.activated"
    assert "no order item of ours matches 42" in event.outcome


@pytest.mark.parametrize(
    "sig",
    ["", "sha256=", "0" * 64, "sha256=" + "f" * 64, "not hex at all"],
)
def test_a_bad_didfarm_signature_is_401(web, didfarm_bare, sig):
    response = didfarm_send(web, didfarm_bare, didfarm_body(order_id=1), sig=sig)
    assert response.status_code == 401
    assert ProviderEvent.objects.count() == 0


def test_a_didfarm_account_without_a_secret_refuses_everything(web, db):
    account = provider_account_create(kind="didfarm", name="no-secret", sandbox=True)
    body = didfarm_body(order_id=1)
    assert didfarm_send(web, account, body).status_code == 401
    assert didfarm_send(web, account, body, secret="").status_code == 401
    assert ProviderEvent.objects.count() == 0


def test_a_didfarm_signature_covers_the_raw_body(web, didfarm_bare):
    body = didfarm_body(order_id=7)
    sig = hmac.new(SECRET.encode(), body, "sha256").hexdigest()
    reencoded = json.dumps(json.loads(body), indent=2).encode()  # same JSON, other bytes
    assert didfarm_send(web, didfarm_bare, reencoded, sig=sig).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"data": {"order_id": 1}}',  # no event type
        b'{"event": "number.activated", "data": [1]}',
        b'{"event": "number.activated", "data": {"number": "\\u0000"}}',
        b'{"event": "number.activated", "data": {"rate": NaN}}',
        b'{"event": "number.activated", "data": {"x": "\\ud800"}}',
        b'{"event": "number.activated", "timestamp": "yesterday", "data": {}}',
        b'{"event": "' + b"x" * 100 + b'", "data": {}}',
        b"[" * 50_000 + b"]" * 50_000,
        b"\xff\xfe",
    ],
)
def test_a_signed_malformed_didfarm_body_is_400_never_500(web, didfarm_bare, body):
    response = didfarm_send(web, didfarm_bare, body)
    assert response.status_code == 400
    assert ProviderEvent.objects.count() == 0


def test_didfarm_timestamps_outside_the_window_are_refused(web, didfarm_bare):
    now = datetime.now(UTC)
    old = didfarm_body(order_id=1, when=now - timedelta(hours=26))
    future = didfarm_body(order_id=2, when=now + timedelta(hours=1))
    retried = didfarm_body(order_id=3, when=now - timedelta(hours=23))  # DIDfarm retries 24 h
    assert didfarm_send(web, didfarm_bare, old).status_code == 400
    assert didfarm_send(web, didfarm_bare, future).status_code == 400
    assert didfarm_send(web, didfarm_bare, retried).status_code == 200
    assert ProviderEvent.objects.count() == 1


def test_a_didfarm_replay_is_acknowledged_once(web, didfarm_bare):
    body = didfarm_body("trunk.offline", trunk_uuid="trk_1")
    first = didfarm_send(web, didfarm_bare, body)
    second = didfarm_send(web, didfarm_bare, body, prefix="sha256=")
    assert first.json()["duplicate"] is False and second.json()["duplicate"] is True
    event = ProviderEvent.objects.get()
    assert event.outcome == "not about an order: acknowledged"


def test_a_didfarm_event_id_is_used_when_present(web, didfarm_bare):
    body = json.dumps({"id": "evt_1", "event": "payment.succeeded", "data": {}}).encode()
    other = json.dumps({"id": "evt_1", "event": "payment.succeeded", "data": {"x": 1}}).encode()
    assert didfarm_send(web, didfarm_bare, body).json()["duplicate"] is False
    assert didfarm_send(web, didfarm_bare, other).json()["duplicate"] is True
    assert ProviderEvent.objects.get().event_id == "evt_1"


def test_didfarm_takes_post_only(web, didfarm_bare):
    assert web.get(url(didfarm_bare)).status_code == 405


def test_the_didfarm_sandbox_webhook_fulfils_without_a_poll(
    web, store, django_capture_on_commit_callbacks
):
    account = sandbox_account("didfarm", name="didfarm-hooks")
    sandbox = sandbox_for("didfarm", account.name)
    account.webhook_secret = sandbox.webhook_secret
    account.save(update_fields=["webhook_secret"])
    item = submitted_item(store, account)
    with simulator_lock(sandbox):
        sandbox._advance_orders()  # DIDfarm finishes the order on its own (no poll of ours)
    assert [w.event for w in sandbox.state.webhooks_due] == ["number.activated"]
    with django_capture_on_commit_callbacks(execute=True):
        results = deliver_due_callbacks(sandbox, client_post(web), webhook_url=url(account))
    assert [status for _d, status in results] == [200]
    event = ProviderEvent.objects.get()
    assert event.item == item
    item.refresh_from_db()
    assert item.state == ItemState.FULFILLED
