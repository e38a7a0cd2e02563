"""A real Celery worker on Redis killed (SIGKILL) while its purchase is in flight: after a new
worker starts and the sweeper runs, the order completes once.

The provider must outlive the worker, so the DIDWW simulator runs in its own process
(``manage.py sandbox serve``), slowed down so the purchase call is still open when the worker
dies; the account talks to it over real HTTP like a production account.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import httpx
import pytest

from billing.checkout import order_place
from billing.models import ACTIVE_STATES, Hold, ItemState, OrderItem
from billing.tasks import provisioning_sweep_task
from inventory.accounts import DEFAULT_BASE_URLS, adapter_for, provider_account_create
from inventory.models import DidGroup
from inventory.sandbox.registry import SANDBOX_CREDENTIALS, sandbox_transport
from inventory.sync import catalog_sync
from portal.celery import app
from portal.processes import database_url
from tests.billing.orders_helpers import add_to_cart, fund
from tests.worker import wait_for

from .conftest import assert_ledger_sound, assert_numbers_match

ROOT = Path(__file__).resolve().parents[3]
LATENCY = 3.0  # seconds the served simulator takes per request: the purchase stays in flight
LEASE = 6.0  # the workers' provisioning lease: longer than one call, short enough to wait out

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def served_didww() -> Iterator[str]:
    """``manage.py sandbox serve`` for DIDWW on a free port; yields its DIDWW base URL."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", "serve", "--port", "0", "--only", "didww",
         "--no-callbacks", "--faults", f'{{"latency": {LATENCY}}}'],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test",
             "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        found = re.search(r"(http://[\d.]+:\d+)", line)
        assert found, f"sandbox serve said {line!r}"
        # Keep reading what it prints, so a full pipe never blocks the server.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield f"{found.group(1)}/didww"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def real_queue() -> Iterator[str]:
    """Tasks go to Redis for real (the suite runs them eagerly otherwise), on a private queue."""
    queue = f"test-crash-{uuid.uuid4().hex[:8]}"
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_always_eager, app.conf.task_default_queue = saved


@contextmanager
def worker(queue: str, mail_dir: Path) -> Iterator[subprocess.Popen]:
    """A worker in its own process group, so the test can kill exactly it and its children."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.billing.reliability.worker_settings",
        "DATABASE_URL": database_url(),
        "DIDHUB_TEST_WORKER_MAIL_DIR": str(mail_dir),
        "DIDHUB_TEST_QUEUE": queue,
        "DIDHUB_TEST_LEASE_SECONDS": str(LEASE),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo",
         "--loglevel=INFO", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def upstream_orders(base_url: str, reference: str) -> list[dict]:
    response = httpx.get(
        f"{base_url}/v3/orders",
        params={"filter[external_reference_id]": reference},
        headers={"Api-Key": SANDBOX_CREDENTIALS["didww"]["api_key"]},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["data"]


def test_a_worker_killed_mid_purchase_leaves_an_order_that_completes_once(
    store, served_didww, real_queue, tmp_path
):
    account = provider_account_create(
        kind="didww", name="didww-served", base_url=served_didww, rate_limit="",
        credentials=SANDBOX_CREDENTIALS["didww"], sandbox=False,
    )  # fmt: skip
    # The served simulator answers slowly on purpose; the same seed's catalog comes at once from
    # an in-process copy.
    quick = adapter_for(
        account, base_url=DEFAULT_BASE_URLS["didww"], transport=sandbox_transport("didww", "copy")
    )
    catalog_sync(account=account, records=[r for r in islice(quick.coverage(), 9) if r.skus][:3])
    group = DidGroup.objects.filter(account=account).order_by("id").first()
    line = add_to_cart(store, group, quantity=2)
    fund(store, client_minor=10**6, reseller_minor=10**6)

    with worker(real_queue, tmp_path) as first:
        order, created = order_place(
            client=store["client"], user=store["client_user"], idempotency_key="crash",
            item_ids=[line.pk],
        )  # fmt: skip
        assert created
        item = order.items.get()
        wait_for(
            lambda: OrderItem.objects.filter(
                pk=item.pk, state=ItemState.SUBMITTING, lease_until__isnull=False
            ).exists(),
            timeout=60,
        )
        time.sleep(LATENCY / 3)  # the purchase request is on its way, its answer is not
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL

    item.refresh_from_db()
    assert item.state == ItemState.SUBMITTING and item.lease_until is not None
    assert not item.external_id and not item.delivered_numbers
    # The purchase went through upstream with nobody left to hear the answer.
    assert len(wait_for(lambda: upstream_orders(served_didww, item.reference), timeout=30)) == 1

    with worker(real_queue, tmp_path):

        def finished():
            provisioning_sweep_task.delay()  # what beat does every few seconds
            item.refresh_from_db()
            # A regulated number rests in "documents required" (its money held).
            return item.state not in ACTIVE_STATES or item.state == ItemState.AWAITING_DOCUMENTS

        wait_for(finished, timeout=90, interval=1.0)

    delivered = ItemState.AWAITING_DOCUMENTS if group.needs_registration else ItemState.FULFILLED
    assert item.state == delivered, (item.state, item.last_error)
    assert len(item.delivered_numbers) == 2
    upstream = upstream_orders(served_didww, item.reference)
    assert len(upstream) == 1, "bought twice"
    assert item.external_id == upstream[0]["id"]
    settled = {h.status for h in Hold.objects.filter(item=item)}
    order.refresh_from_db()
    if group.needs_registration:  # charged only once the documents are approved
        assert settled == {Hold.Status.OPEN} and order.status == "processing"
    else:
        assert_numbers_match(item)
        assert settled == {Hold.Status.SETTLED} and order.status == "completed"
    assert_ledger_sound()
