"""Soak a running demo: orders placed through its web server, as the demo client, every few seconds
from several threads; then wait for every order to end and count what did not.

Run it beside ``make demo`` with the demo's environment (``python manage.py demo_soak``): it reads
the demo's database to choose offers and to check the outcome, and tops the demo wallets up so that
money never runs out. See ``demo_soak`` for the summary it prints.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import cycle

import httpx
from django.db import close_old_connections
from django.db.models import Q

from billing import wallets
from billing.models import ACTIVE_STATES, CartItem, ItemState, Order, OrderStatus
from customers.demo import DEMO_PASSWORD
from customers.models import Membership, Role, User
from inventory.selectors import live_groups
from portal.broker import embedded_broker_in_use, embedded_broker_undelivered
from portal.celery import app

CLIENT_EMAIL = "client@example.com"
ORDER_ALLOWANCE_MINOR = 10_000  # money put in the wallets per order planned (100.00)
IN_FLIGHT = set(ACTIVE_STATES) - {ItemState.BACKORDERED}  # back-orders wait for the provider


class SoakCannotStart(Exception):
    pass


@dataclass
class SoakPlan:
    base_url: str
    seconds: float
    every: float  # seconds between two orders of one thread
    threads: int
    settle: float  # seconds to wait, after the last order, for every order to end


@dataclass
class SoakLog:
    """What the shopper threads did; shared, so every change takes the lock."""

    placed: list[str] = field(default_factory=list)  # order references
    refused: list[str] = field(default_factory=list)  # a 4xx answer: the portal said no
    errors: list[str] = field(default_factory=list)  # a 5xx answer or no answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, value: str) -> None:
        with self.lock:
            getattr(self, kind).append(value)


class OfferCycle:
    """The offers, round and round, one at a time to whichever thread asks."""

    def __init__(self, offers: list[tuple[int, int]]) -> None:
        if not offers:
            raise RuntimeError("the demo has no offers to buy: run `make demo` (it seeds them)")
        self._offers = cycle(offers)
        self._lock = threading.Lock()

    def __next__(self) -> tuple[int, int]:
        with self._lock:
            return next(self._offers)


class Shopper:
    """One browser session of the demo client: adds an offer to the cart, then buys that line."""

    def __init__(self, base_url: str, client_id: int) -> None:
        self.client_id = client_id
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.http.get("/accounts/login/").raise_for_status()
        response = self._post(
            "/accounts/login/", {"login": CLIENT_EMAIL, "password": DEMO_PASSWORD}
        )
        if response.status_code != 302:
            raise RuntimeError(f"the demo client could not sign in ({response.status_code})")

    def _post(self, url: str, data: dict) -> httpx.Response:
        data = {**data, "csrfmiddlewaretoken": self.http.cookies.get("csrftoken", "")}
        return self.http.post(url, data=data, headers={"Referer": str(self.http.base_url)})

    def buy(self, group_id: int, sku_id: int) -> tuple[str, str]:
        """("placed", reference) or ("refused" | "errors", what was answered)."""
        added = self._post(
            f"/numbers/browse/{group_id}/",
            {"sku": sku_id, "quantity": 1, "billing_cycle": "monthly"},
        )
        if added.status_code != 302:
            return _failure(f"add to cart of group {group_id}", added)
        line = (
            CartItem.objects.filter(cart__client_id=self.client_id, group_id=group_id)
            .order_by("-id")
            .values_list("pk", flat=True)
            .first()
        )
        bought = self._post("/checkout/buy/", {"key": uuid.uuid4().hex, "item": [line]})
        if bought.status_code != 302 or "/orders/" not in bought.headers.get("location", ""):
            return _failure(f"buy of group {group_id}", bought)
        return "placed", bought.headers["location"].rstrip("/").rsplit("/", 1)[-1]


def _failure(what: str, response: httpx.Response) -> tuple[str, str]:
    kind = "refused" if 400 <= response.status_code < 500 else "errors"
    return kind, f"{what}: HTTP {response.status_code}"


def soak_offers() -> list[tuple[int, int]]:
    """(group, sku) pairs to buy one number from, alternating between providers, so no group is
    bought out: groups with stock (or stock not told), no documents needed."""
    by_provider: dict[int, list[tuple[int, int]]] = {}
    groups = (
        live_groups()
        .filter(needs_registration=False, skus__retired_at__isnull=True)
        .filter(Q(available_count__isnull=True) | Q(available_count__gte=3))
        .order_by("id")
        .values_list("account_id", "id", "skus__id")
    )
    seen = set()
    for account_id, group_id, sku_id in groups:
        if group_id not in seen:
            seen.add(group_id)
            by_provider.setdefault(account_id, []).append((group_id, sku_id))
    rounds = zip(*by_provider.values(), strict=False)
    return [offer for round_ in rounds for offer in round_]


def soak_funds(client, planned_orders: int) -> None:
    """Top the demo client's and its reseller's wallets up for the orders planned."""
    amount = max(planned_orders, 10) * ORDER_ALLOWANCE_MINOR
    run = uuid.uuid4().hex[:8]
    owner = Membership.objects.filter(reseller=client.reseller, role=Role.RESELLER_OWNER).first()
    admin = User.objects.filter(is_staff=True).order_by("id").first()
    wallets.wallet_top_up(
        actor=admin, membership=None, wallet=wallets.wallet_of(client.reseller),
        amount_minor=amount, method="bank_transfer", reference="SOAK",
        idempotency_key=f"soak-{run}-reseller",
    )  # fmt: skip
    wallets.wallet_top_up(
        actor=owner.user, membership=owner, wallet=wallets.wallet_of(client),
        amount_minor=amount, method="bank_transfer", reference="SOAK",
        idempotency_key=f"soak-{run}-client",
    )  # fmt: skip


def _shop(plan: SoakPlan, client_id: int, offers, start: float, offset: float, log: SoakLog):
    try:
        shopper = Shopper(plan.base_url, client_id)
        tick = start + offset
        while tick < start + plan.seconds:
            time.sleep(max(tick - time.monotonic(), 0))
            try:
                kind, value = shopper.buy(*next(offers))
            except httpx.HTTPError as error:
                kind, value = "errors", f"{type(error).__name__}: {error}"
            log.add(kind, value)
            tick += plan.every
    except Exception as error:  # a shopper that cannot work is an error of the run, not a crash
        log.add("errors", f"shopper: {type(error).__name__}: {error}")
    finally:
        close_old_connections()


def soak_run(plan: SoakPlan, say: Callable[[str], None] = print) -> dict:
    membership = (
        Membership.objects.select_related("client__reseller")
        .filter(user__email=CLIENT_EMAIL, role=Role.CLIENT_ADMIN)
        .first()
    )
    if membership is None:
        raise SoakCannotStart(
            f"{CLIENT_EMAIL} is not in this database: run the soak with the demo's environment "
            "(no DATABASE_URL of another database), beside `make demo`"
        )
    client = membership.client
    planned = int(plan.seconds / plan.every + 1) * plan.threads
    soak_funds(client, planned)
    offers = OfferCycle(soak_offers())
    say(f"soak: about {planned} orders over {plan.seconds:.0f} s from {plan.threads} threads")
    log = SoakLog()
    start = time.monotonic()
    shoppers = [
        threading.Thread(
            target=_shop,
            args=(plan, client.pk, offers, start, i * plan.every / plan.threads, log),
        )
        for i in range(plan.threads)
    ]
    for thread in shoppers:
        thread.start()
    for thread in shoppers:
        thread.join()
    say(f"soak: {len(log.placed)} orders placed; waiting up to {plan.settle:.0f} s for them")
    deadline = time.monotonic() + plan.settle
    while time.monotonic() < deadline and _unfinished(log.placed):
        time.sleep(1)
    return soak_summary(log)


def _unfinished(references: list[str]) -> int:
    return (
        Order.objects.filter(reference__in=references, items__state__in=IN_FLIGHT)
        .distinct()
        .count()
    )


def soak_summary(log: SoakLog) -> dict:
    """Orders end completed, failed (partly or wholly: refunded) or back-ordered (the provider
    delivers later, legitimately); any other still in flight is stuck, and an item in the dead
    letter state waits for a person."""
    orders = list(Order.objects.filter(reference__in=log.placed).prefetch_related("items"))
    states = {order: {item.state for item in order.items.all()} for order in orders}
    stuck = [order for order in orders if states[order] & IN_FLIGHT]
    # A dead letter waits for a person (the admin's Retry): for a soak it is stuck as well.
    dead = [i for o in orders for i in o.items.all() if i.state == ItemState.DEAD_LETTER]
    completed = [order for order in orders if order.status == OrderStatus.COMPLETED]
    durations = [(o.completed_at - o.created_at).total_seconds() for o in completed]
    item_ids = [item.pk for order in orders for item in order.items.all()]
    return {
        "orders": len(log.placed),
        "completed": len(completed),
        "failed": sum(o.status in (OrderStatus.FAILED, OrderStatus.PARTIAL) for o in orders),
        "stuck": len(stuck),
        "dead_letters": len(dead),
        "lost_tasks": _lost_tasks(item_ids),
        "backordered": sum(ItemState.BACKORDERED in states[order] for order in orders),
        "refused": len(log.refused),
        "errors": len(log.errors),
        "missing_orders": len(log.placed) - len(orders),
        "seconds_to_active_p50": round(statistics.median(durations), 2) if durations else None,
        "seconds_to_active_max": round(max(durations), 2) if durations else None,
        "stuck_orders": [order.reference for order in stuck][:20],
        "dead_letter_samples": sorted({item.last_error for item in dead})[:5],
        "error_samples": (log.errors + log.refused)[:5],
    }


def _lost_tasks(item_ids: list[int]) -> int | None:
    """Provisioning tasks for these items that the embedded broker still holds undelivered once
    every order has ended (None with another broker: it cannot be asked)."""
    if not embedded_broker_in_use():
        return None

    wanted = set(item_ids)
    return sum(
        1
        for task, args in embedded_broker_undelivered(app)
        if task == "billing.order_item_advance_task" and args and args[0] in wanted
    )
