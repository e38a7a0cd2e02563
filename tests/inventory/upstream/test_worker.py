"""A real Celery worker on Redis carries upstream actions to a provider over real HTTP (the
DIDWW simulator served on a port), after the caller's commit, through a throttled answer."""

from __future__ import annotations

import uuid
from threading import Thread

import pytest
from django.db import transaction

from inventory.accounts import provider_account_create
from inventory.models import UpstreamAction, UpstreamState
from inventory.sandbox.didww import DidwwSandbox
from inventory.sandbox.registry import SANDBOX_CREDENTIALS
from inventory.sandbox.server import make_server
from inventory.upstream import upstream_action_request
from portal.celery import app
from tests.worker import celery_worker, wait_for

from .conftest import make_number
from .faults import ScriptedProvider
from .sandboxes import plant_didww


class Throttling(ScriptedProvider):
    """The scripted provider, served by the sandbox server; its 429s ask for one second."""

    def handle(self, request):
        response = self(request)
        if response.status_code == 429:
            response.headers["Retry-After"] = "1"
        return response

    def error_response(self, status, message):
        return self.simulator.error_response(status, message)

    def is_purchase(self, request):
        return False


@pytest.fixture
def real_broker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_always_eager, app.conf.task_default_queue = saved


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_suspends_through_a_429_then_releases(real_broker, tmp_path):
    sandbox = DidwwSandbox(credentials=SANDBOX_CREDENTIALS["didww"])
    did = plant_didww(sandbox, cycles=None, trunk="trunk-7")
    # Snapshot read, DID lookup, then the PATCH is throttled once; everything after passes.
    provider = Throttling(sandbox, [None, None, "429"])
    server = make_server({"didww": provider}, port=0)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        account = provider_account_create(
            kind="didww",
            name="didww-http",
            credentials=dict(SANDBOX_CREDENTIALS["didww"]),
            base_url=server.base_url("didww"),
        )
        number = make_number(account, "+12125550100")
        with celery_worker(tmp_path, queue=real_broker):
            with transaction.atomic():
                upstream_action_request(number=number, kind="suspend", reason="client_funds")
                assert provider.seen == []  # nothing leaves before the commit
            suspend = UpstreamAction.objects.get(number=number, kind="suspend")
            # Throttled, then re-run by the worker's own countdown task a second later.
            wait_for(
                lambda: UpstreamAction.objects.filter(pk=suspend.pk, state="done").exists(),
                timeout=60,
            )
            with transaction.atomic():
                upstream_action_request(number=number, kind="release", reason="grace over")
            wait_for(
                lambda: UpstreamAction.objects.filter(
                    number=number, kind="release", state="done"
                ).exists(),
                timeout=60,
            )
    finally:
        server.shutdown()
        server.server_close()
    suspend.refresh_from_db()
    assert suspend.details["before"]["voice_in_trunk_id"] == "trunk-7"
    assert suspend.attempts == 0 and suspend.state == UpstreamState.DONE  # 429 is no failure
    assert (did.billing_cycles_count, did.voice_in_trunk_id, did.terminated) == (0, None, True)
    patches = [what for method, _path, what in provider.seen if method == "PATCH"]
    assert patches == ["429", "ok", "ok"]  # suspend throttled, suspend, release: once each
