"""The sandbox's deliverer of queued callbacks and webhooks (used by ``sandbox serve``)."""

from __future__ import annotations

import time

import httpx

from inventory.providers.didww import callbacks
from inventory.sandbox.delivery import CallbackDeliverer, httpx_post, take_due
from inventory.sandbox.didww_orders import DueCallback
from inventory.sandbox.registry import sandbox_for


def _didww_sandbox_with_callback(n: int = 1):

    sandbox = sandbox_for("didww", "deliverer")
    for i in range(n):
        params = {"id": f"order-{i}", "status": "completed", "type": "orders"}
        headers = {callbacks.SIGNATURE_HEADER: "sig", "Content-Type": "x"}
        sandbox.state.callbacks_due.append(
            DueCallback(f"order-{i}", "POST", "http://portal.test/hook/", params, headers)
        )
    return sandbox


def test_the_deliverer_retries_failures_then_drops_them():
    sandbox = _didww_sandbox_with_callback()
    statuses = iter([503, 500])
    sent = []

    def post(delivery):
        sent.append(delivery)
        try:
            return next(statuses)
        except StopIteration:
            raise httpx.ConnectError("down") from None

    deliverer = CallbackDeliverer({"didww": sandbox}, post, max_attempts=3)
    assert deliverer.run_once() == 0
    assert deliverer.run_once() == 0
    assert len(deliverer.retrying) == 1 and deliverer.retrying[0].attempts == 2
    assert deliverer.run_once() == 0
    assert deliverer.retrying == []  # dropped after 3 failures
    assert [d.body for d in sent] == [b"id=order-0&status=completed&type=orders"] * 3


def test_the_deliverer_thread_posts_over_http_every_interval():
    sandbox = _didww_sandbox_with_callback(2)
    seen: list[httpx.Request] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(app)) as http:
        deliverer = CallbackDeliverer({"didww": sandbox}, httpx_post(http), interval=0.01)
        deliverer.start()
        try:
            for _ in range(500):
                if deliverer.delivered == 2:
                    break
                time.sleep(0.01)
        finally:
            deliverer.stop()
    assert deliverer.delivered == 2
    assert [r.method for r in seen] == ["POST", "POST"]
    assert str(seen[0].url) == "http://portal.test/hook/"
    assert seen[0].headers[callbacks.SIGNATURE_HEADER] == "sig"
    assert seen[0].content == b"id=order-0&status=completed&type=orders"


def test_get_callbacks_carry_their_parameters_in_the_query():

    sandbox = sandbox_for("didww", "get")
    params = {"id": "o-1", "status": "canceled", "type": "orders"}
    sandbox.state.callbacks_due.append(DueCallback("o-1", "GET", "http://p.test/h/", params, {}))
    (delivery,) = take_due(sandbox)
    assert (delivery.method, delivery.url, delivery.body) == (
        "GET",
        "http://p.test/h/?id=o-1&status=canceled&type=orders",
        b"",
    )
    assert take_due(sandbox) == []
