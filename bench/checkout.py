"""The checkout and provisioning benchmarks (``make bench``).

checkout: the "Buy" POST of a one-item cart through the whole middleware stack (wallet locks,
re-pricing, holds, the order, the enqueue on commit), over the benchmark's 250k-group catalog.

provision: from that POST to an active ``Number``, with a real Celery worker (in this process, so
it shares the sandbox simulators' state) on an in-memory broker, against the four sandbox
providers without faults. One order per provider per round.
"""

from __future__ import annotations

import statistics
import time
import uuid
from decimal import Decimal

from django.db import close_old_connections
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from billing import wallets
from billing.models import MarkupRule, Order
from billing.pricing import PriceBook
from billing.services import cart_item_add, exchange_rate_set
from customers.models import Client as Customer
from customers.models import Membership, Reseller, Role, User
from inventory.models import DidGroup, Number
from inventory.providers.registry import PROVIDERS
from portal.celery import app

CHECKOUT_RUNS = 60
PROVISION_ROUNDS = 3
PROVISION_TIMEOUT = 30.0


def _shop() -> tuple[Customer, User]:
    reseller = Reseller.objects.create(
        name="Bench Buy", slug="bench-buy", display_name="Bench Buy",
        support_email="buy@bench.test", currency="USD",
    )  # fmt: skip
    for base, rate in (("EUR", "1.08"), ("GBP", "1.27")):
        exchange_rate_set(base=base, quote="USD", rate=rate)
    MarkupRule.objects.create(level="wholesale", reseller=reseller, percent=Decimal(15))
    MarkupRule.objects.create(level="retail", reseller=reseller, percent=Decimal(40))
    customer = Customer.objects.create(
        reseller=reseller, name="Bench Buyer", contact_email="buyer@bench.test"
    )
    buyer = User.objects.create_user(email="buyer@bench.test", password=uuid.uuid4().hex)
    Membership.objects.create(
        user=buyer, reseller=reseller, client=customer, role=Role.CLIENT_ADMIN
    )
    admin = User.objects.create_user(email="admin@bench.test", password=None, is_staff=True)
    owner = User.objects.create_user(email="owner@bench.test", password=None)
    owner_membership = Membership.objects.create(
        user=owner, reseller=reseller, role=Role.RESELLER_OWNER
    )
    plenty = 10**9
    wallets.wallet_top_up(
        actor=admin, membership=None, wallet=wallets.wallet_of(reseller), amount_minor=plenty,
        method="bank_transfer", reference="bench", idempotency_key="bench-reseller",
    )  # fmt: skip
    wallets.wallet_top_up(
        actor=owner, membership=owner_membership, wallet=wallets.wallet_of(customer),
        amount_minor=plenty, method="bank_transfer", reference="bench",
        idempotency_key="bench-client",
    )  # fmt: skip
    return customer, buyer


def _groups(kind: str, count: int) -> list[DidGroup]:
    """Offers of one provider that can be bought now: one per round, so no area runs dry."""
    offered = DidGroup.objects.filter(
        account__name=f"bench-{kind}", retired_at__isnull=True, needs_registration=False,
        skus__retired_at__isnull=True,
    )  # fmt: skip
    return list(offered.exclude(available_count=0).order_by("-available_count", "id")[:count])


def _buy(http: Client, customer: Customer, group: DidGroup) -> tuple[float, str]:
    """One cart line, then the timed Buy. Returns milliseconds and the order reference."""
    item = cart_item_add(
        client=customer, group=group, sku=group.skus.filter(retired_at__isnull=True).first(),
        quantity=1, billing_cycle="monthly",
        book=PriceBook(reseller=customer.reseller, client=customer),
    )  # fmt: skip
    started = time.perf_counter()
    response = http.post(reverse("billing:buy"), {"key": uuid.uuid4().hex, "item": [item.pk]})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 302:
        raise RuntimeError(f"checkout answered {response.status_code}: {response.content[:300]!r}")
    return elapsed, response.url.rstrip("/").rsplit("/", 1)[-1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_checkout_and_provision() -> dict:
    # Tasks go to an in-memory broker: nothing lands in the demo's queue.
    app.conf.broker_url = "memory://"
    app.conf.broker_transport = None  # the URL names it (the demo's settings name the SQLite one)
    # The memory transport polls its queues (1 s by default); Redis in production blocks on
    # BRPOP and hands a task over at once, so poll often to measure the system, not the poll.
    app.conf.broker_transport_options = {"polling_interval": 0.05}
    app.conf.task_always_eager = False
    customer, buyer = _shop()
    http = Client()
    http.force_login(buyer)
    rounds = PROVISION_ROUNDS + 1
    groups = {kind: _groups(kind, rounds) for kind in PROVIDERS}
    groups = {kind: found for kind, found in groups.items() if len(found) == rounds}

    # The test client's host, as the browse bench allows it; order emails kept in memory (the
    # console backend would print them into the JSON on stdout).
    with override_settings(
        ALLOWED_HOSTS=["testserver"], EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        checkout = _bench_checkout(http, customer, groups["didww"][0])
        provision = _bench_provision(http, customer, groups)
    return {"checkout": checkout, "provision": provision}


def _bench_checkout(http: Client, customer: Customer, group: DidGroup) -> dict:
    from unittest import mock

    # The checkout alone: the provisioning job is queued on commit but not run here.
    with mock.patch("billing.tasks.order_item_advance_task.delay"):
        for _ in range(3):
            _buy(http, customer, group)  # warm up
        times = [_buy(http, customer, group)[0] for _ in range(CHECKOUT_RUNS)]
    return {
        "runs": CHECKOUT_RUNS,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_pct(times, 0.95), 2),
    }


def _bench_provision(http: Client, customer: Customer, groups: dict[str, list[DidGroup]]) -> dict:
    from celery.contrib.testing.worker import start_worker

    seconds: dict[str, list[float]] = {kind: [] for kind in groups}
    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False):
        for round_ in range(PROVISION_ROUNDS + 1):
            for kind, offers in groups.items():
                started = time.perf_counter()
                _ms, reference = _buy(http, customer, offers[round_])
                _wait_active(reference)
                if round_:  # the first round warms the simulators (inventory built lazily)
                    seconds[kind].append(time.perf_counter() - started)
    close_old_connections()
    every = [s for values in seconds.values() for s in values]
    return {
        "orders": len(every),
        "p50_s": round(statistics.median(every), 3),
        "max_s": round(max(every), 3),
        "per_provider_p50_s": {k: round(statistics.median(v), 3) for k, v in seconds.items()},
    }


def _wait_active(reference: str) -> None:
    deadline = time.monotonic() + PROVISION_TIMEOUT
    order = Order.objects.get(reference=reference)
    while time.monotonic() < deadline:
        if Number.objects.filter(order_reference__startswith=f"{reference}-").exists():
            return
        order.refresh_from_db()
        if order.status == "failed":
            detail = list(order.items.values_list("detail", "last_error"))
            raise RuntimeError(f"order {reference} failed in the benchmark: {detail}")
        time.sleep(0.01)
    raise RuntimeError(f"order {reference} was not active after {PROVISION_TIMEOUT}s")
