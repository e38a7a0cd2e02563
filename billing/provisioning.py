"""Provisioning: order items advanced to their end by idempotent steps (DESIGN.md §5).

``order_item_advance(item_id)`` is the whole job. It runs in three short parts so no database
transaction stays open while a provider is called:

1. claim: lock the row with ``SKIP LOCKED``; go on only if the item is active, due
   (``next_check_at`` has passed) and not leased; set ``lease_until`` so no other worker takes
   it; record the purchase attempt (``placed → submitting``, ``submitted_at``) *before* calling;
2. call the provider: submit, resolve an unknown outcome with ``find_order``, or poll;
3. apply: lock the row again and move it forward only; settle money and create numbers when it
   finishes; schedule the next check.

A worker killed between 1 and 3 leaves a ``submitting`` item whose lease runs out; the next run
resolves it with ``find_order`` (never by buying again). Transient failures retry with backoff;
after ``MAX_ATTEMPTS`` the item goes to the dead-letter state for an admin.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from audit.actions import Action
from audit.services import audit_record
from inventory.accounts import adapter_for
from inventory.models import ProviderAccount
from inventory.providers import errors
from inventory.providers.registry import adapter_class
from inventory.providers.types import OrderRequest, OrderStatus, ProviderOrder

from .explanations import Outcome as Kind
from .explanations import explain, outcome_of_refusal, outcome_of_shortfall
from .models import ACTIVE_STATES, STEP, ItemState, OrderItem
from .settlement import item_settle, numbers_create, order_status_refresh, order_waits_on_client

logger = logging.getLogger("didhub.provisioning")

LEASE = timedelta(seconds=120)  # longer than any provider call may take (timeouts are shorter)
MAX_ATTEMPTS = 8  # transient failures in a row before the dead-letter state
FIRST_POLL = timedelta(seconds=1)
MAX_POLL = timedelta(minutes=10)
BACKORDER_POLL = timedelta(minutes=15)
# Documents are approved by people upstream, in hours or days: look hourly (webhooks, where the
# provider sends them, make the item due at once).
DOCUMENTS_POLL = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    """What a provider call found out. ``order`` set: an upstream order (or None when
    ``verified_none``); ``error`` set: the call failed."""

    order: ProviderOrder | None = None
    verified_none: bool = False
    error: errors.ProviderError | None = None
    picks: tuple[tuple[str, str], ...] = ()  # (provider id, E.164) chosen before submitting
    phase: str = ""  # set when the call went on to another phase (resolve → submit)


def callback_url(account: ProviderAccount) -> str:
    return settings.SITE_URL + reverse("billing:provider_webhook", args=[account.name])


def order_request(item: OrderItem) -> OrderRequest:
    account = item.provider_account
    capabilities = adapter_class(account.kind).capabilities
    return OrderRequest(
        our_reference=item.reference,
        group_external_id=item.group.external_id,
        sku_external_id=item.sku.external_id,
        quantity=item.quantity,
        numbers=tuple(item.requested_numbers),
        number_ids=tuple(item.requested_number_ids),
        billing_cycle=item.billing_cycle,
        callback_url=callback_url(account) if "callbacks" in capabilities else "",
        allow_backorder=item.allow_backorder,
    )


def _needs_picks(item: OrderItem) -> bool:
    """Providers that keep no reference of ours can only find a lost order again by the exact
    numbers it asked for: choose them (and persist them) before buying."""
    capabilities = adapter_class(item.provider_account.kind).capabilities
    return (
        "pick_number" in capabilities
        and "reference" not in capabilities
        and not item.requested_numbers
    )


# --- 1. claim ----------------------------------------------------------------------------------


def _lease() -> timedelta:
    """``LEASE``, unless settings shorten it (a test that kills a worker mid-call)."""
    seconds = getattr(settings, "PROVISIONING_LEASE_SECONDS", None)
    return LEASE if seconds is None else timedelta(seconds=seconds)


def _claim(item_id: int) -> tuple[OrderItem, str, object] | None:
    now = timezone.now()
    with transaction.atomic():
        item = (
            OrderItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("provider_account", "group", "sku", "order")
            .filter(pk=item_id)
            .first()
        )
        if item is None or item.state not in ACTIVE_STATES:
            return None
        if item.lease_until is not None and item.lease_until > now:
            return None  # another worker is on it
        if item.next_check_at is None or item.next_check_at > now:
            return None  # not due yet
        if item.state == ItemState.PLACED:
            phase = "pick" if _needs_picks(item) else "submit"
            if phase == "submit":
                item.state = ItemState.SUBMITTING
                item.submitted_at = now
        elif item.state == ItemState.SUBMITTING:
            phase = "resolve"  # an earlier attempt may have reached the provider
        else:
            phase = "poll"
        item.lease_until = now + _lease()
        item.save(update_fields=["state", "submitted_at", "lease_until", "updated_at"])
    return item, phase, now


# --- 2. call the provider ----------------------------------------------------------------------


def _call(item: OrderItem, phase: str) -> Outcome:
    adapter = adapter_for(item.provider_account)
    try:
        if phase == "pick":
            found = adapter.available_numbers(item.group.external_id, limit=item.quantity)
            picks = tuple((n.external_id, n.number) for n in found[: item.quantity])
            return Outcome(picks=picks, verified_none=not picks)
        if phase == "submit":
            return Outcome(order=adapter.place_order(order_request(item)))
        if phase == "resolve":
            found = adapter.find_order(
                item.reference,
                request=order_request(item),
                placed_after=item.submitted_at,
                claimed=_claimed(item),
            )
            if found is not None:
                return Outcome(order=found)
            phase = "submit"  # verified: nothing was bought. Only now is buying again safe.
            return Outcome(order=adapter.place_order(order_request(item)), phase=phase)
        return Outcome(order=adapter.get_order(item.external_id))
    except errors.ProviderError as error:
        return Outcome(error=error, phase=phase)


def _claimed(item: OrderItem) -> frozenset[str]:
    """Upstream orders other items of ours already own (IDT matches orders by shape)."""
    since = (item.submitted_at or timezone.now()) - timedelta(days=2)
    return frozenset(
        OrderItem.objects.filter(
            provider_account_id=item.provider_account_id, submitted_at__gte=since
        )
        .exclude(pk=item.pk)
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )


# --- 3. apply ----------------------------------------------------------------------------------


def order_item_advance(*, item_id: int) -> str:
    """Take one item as far as it goes now. Returns a word for logs and tests."""
    claimed = _claim(item_id)
    if claimed is None:
        return "skipped"
    item, phase, claimed_at = claimed
    lease = item.lease_until
    outcome = _call(item, phase)
    phase = outcome.phase or phase
    with transaction.atomic():
        item = (
            OrderItem.objects.select_for_update(of=("self",))
            .select_related("provider_account", "group", "sku", "order__reseller")
            .get(pk=item_id)
        )
        before = item.state
        result = _apply(item, phase, outcome, lease=lease)
        if item.poked_at and item.poked_at >= claimed_at and item.state in ACTIVE_STATES:
            # A provider event arrived while we were asking: look again now.
            OrderItem.objects.filter(pk=item.pk).update(next_check_at=timezone.now())
            item.next_check_at = timezone.now()
        finished = item.state not in ACTIVE_STATES and item.state != ItemState.DEAD_LETTER
        waits = item.state == ItemState.AWAITING_DOCUMENTS and before != item.state
        ended = finished and order_status_refresh(item.order)
        if ended or ((finished or waits) and order_waits_on_client(item.order)):
            # The order ended, or all that is left of it waits on the client's documents:
            # either way the client has something to read (and maybe to do).
            from .tasks import enqueue_order_notification

            order_id = item.order_id
            transaction.on_commit(lambda: enqueue_order_notification(order_id))
    logger.info("order item %s: %s → %s (%s)", item.reference, phase, item.state, result)
    if item.state in ACTIVE_STATES and item.next_check_at is not None:
        from .tasks import enqueue_check

        enqueue_check(item.pk, item.next_check_at)
    return result


def _apply(item: OrderItem, phase: str, outcome: Outcome, *, lease) -> str:
    if item.state not in ACTIVE_STATES or item.lease_until != lease:
        # Our lease ran out and another worker took the item over (and maybe finished it): our
        # answer is older than its work and must not touch the row.
        return "stale"
    now = timezone.now()
    item.lease_until = None
    fields = ["state", "next_check_at", "lease_until", "attempts", "detail", "outcome",
              "last_error", "state_before_dead_letter"]  # fmt: skip
    if outcome.error is not None:
        result = _failed_call(item, phase, outcome.error, now)
    elif phase == "pick":
        if outcome.verified_none:
            item.last_error = "pick: the provider listed no available number"
            result = _finish(item, [], Kind.OUT_OF_STOCK)
        else:
            item.requested_number_ids = [pid for pid, _n in outcome.picks]
            item.requested_numbers = [n for _pid, n in outcome.picks]
            item.next_check_at = now  # submit straight away
            fields += ["requested_numbers", "requested_number_ids"]
            result = "picked"
    else:
        assert outcome.order is not None
        result = _upstream(item, outcome.order, now)
        fields += ["external_id", "delivered_numbers"]
    item.save(update_fields=[*dict.fromkeys(fields), "resolved_at", "updated_at"])
    return result


def _failed_call(item: OrderItem, phase: str, error: errors.ProviderError, now) -> str:
    item.last_error = f"{phase}: {type(error).__name__}: {error}"[:2000]
    refused = isinstance(error, errors.InvalidRequest | errors.NotFound)
    if refused and phase in ("submit", "pick"):
        # A purchase refused outright bought nothing: fail the item and give the money back.
        return _finish(item, [], outcome_of_refusal(error))
    if isinstance(error, errors.RateLimited):
        # Throttled, not failed: a purchase answered 429 bought nothing, so it may be sent
        # again as it is (no find_order needed), and waiting is no reason to give up.
        if phase == "submit":
            item.state = ItemState.PLACED
        retry_after = error.retry_after or _backoff(1)
        item.next_check_at = now + timedelta(seconds=float(retry_after))
        return "throttled"
    if isinstance(error, errors.AuthFailed | errors.InsufficientFunds):
        # The platform's account needs fixing (credentials, funds): a person, then a retry.
        item.attempts = MAX_ATTEMPTS
    else:
        item.attempts += 1
    if item.attempts >= MAX_ATTEMPTS:
        item.state_before_dead_letter = item.state
        item.state = ItemState.DEAD_LETTER
        item.next_check_at = None
        _describe(item, Kind.DELAYED)
        logger.error("order item %s dead-lettered after %s", item.reference, item.last_error)
        return "dead_letter"
    delay = getattr(error, "retry_after", None) or _backoff(item.attempts)
    item.next_check_at = now + timedelta(seconds=float(delay))
    return "retry"


def _describe(item: OrderItem, outcome: str) -> None:
    """Record what happened as a kind; ``detail`` keeps its plain English text (admin lists,
    logs). Pages and emails explain the kind in the reader's language (``explanations``)."""
    item.outcome = outcome
    with override("en"):
        found = explain(item)
    item.detail = str(found.reason)[:500] if found else ""


def _backoff(attempts: int) -> float:
    base = min(2 ** max(attempts, 1), 300)
    return base * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not security)


def _upstream(item: OrderItem, order: ProviderOrder, now) -> str:
    """Move the item to what the provider says, forward only."""
    if order.external_id and not item.external_id:
        item.external_id = order.external_id
    item.attempts = 0
    item.last_error = ""
    delivered = list(dict.fromkeys(order.numbers))[: item.quantity]
    finished = order.status in (OrderStatus.COMPLETED, OrderStatus.PARTIAL)
    if finished and delivered and set(order.awaiting_registration) & set(delivered):
        return _await_documents(item, delivered, now)
    if order.status == OrderStatus.COMPLETED and len(delivered) == item.quantity:
        return _finish(item, delivered, "")
    if finished or order.status == OrderStatus.CANCELED:
        # The provider's own words, for admins (the client reads the outcome's explanation).
        item.last_error = f"{order.status}: {order.detail or 'no detail given'}"[:2000]
        kept = delivered if finished else []
        if item.state == ItemState.AWAITING_DOCUMENTS and set(item.delivered_numbers) - set(kept):
            # Numbers held for their documents were given up upstream: not approved.
            return _finish(item, kept, Kind.NOT_APPROVED)
        return _finish(item, kept, outcome_of_shortfall(order.shortfall))
    target = (
        ItemState.BACKORDERED
        if order.status == OrderStatus.BACKORDERED
        else ItemState.PENDING_UPSTREAM
    )
    if STEP[target] >= STEP[ItemState(item.state)]:
        item.state = target
    if item.state == ItemState.AWAITING_DOCUMENTS:
        item.next_check_at = now + DOCUMENTS_POLL  # an odd answer: keep what we know
        return str(item.state)
    item.delivered_numbers = delivered
    if item.state == ItemState.BACKORDERED:
        item.next_check_at = now + BACKORDER_POLL
        _describe(item, "")
    else:
        item.next_check_at = now + _poll_interval(item, now)
        _describe(item, "")
    return str(item.state)


def _await_documents(item: OrderItem, delivered: list[str], now) -> str:
    """Delivered upstream but held there until documents are approved: nothing is charged and
    no number is ours yet; the money stays on hold and the job looks again slowly."""
    if STEP[ItemState.AWAITING_DOCUMENTS] >= STEP[ItemState(item.state)]:
        item.state = ItemState.AWAITING_DOCUMENTS
    item.delivered_numbers = delivered
    item.next_check_at = now + DOCUMENTS_POLL
    _describe(item, Kind.DOCUMENTS)
    return str(item.state)


def _poll_interval(item: OrderItem, now) -> timedelta:
    """Soon at first (most orders finish in seconds), then backing off."""
    age = now - (item.submitted_at or now)
    return min(max(FIRST_POLL, age / 4), MAX_POLL)


def _finish(item: OrderItem, delivered: list[str], outcome: str) -> str:
    """The item's end: numbers created, money settled, once. ``outcome`` says why fewer
    numbers than ordered were delivered (the provider's words are in ``last_error``)."""
    if item.resolved_at is not None:
        return "already resolved"
    if not delivered:
        item.state = ItemState.FAILED
    elif len(delivered) < item.quantity:
        item.state = ItemState.PARTIALLY_FULFILLED
    else:
        item.state, outcome = ItemState.FULFILLED, ""
    item.delivered_numbers = delivered
    _describe(item, outcome)
    item.next_check_at = None
    item.resolved_at = timezone.now()
    if delivered:
        numbers_create(item, delivered)
    item_settle(item, delivered)
    return str(item.state)


# --- admin and webhooks ------------------------------------------------------------------------


def order_item_retry(*, item_id: int) -> bool:
    """Send a dead-lettered item back to where it stopped, with fresh attempts."""
    with transaction.atomic():
        item = OrderItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None or item.state != ItemState.DEAD_LETTER:
            return False
        item.state = item.state_before_dead_letter or ItemState.SUBMITTING
        item.state_before_dead_letter = ""
        item.attempts = 0
        item.next_check_at = timezone.now()
        item.detail = item.outcome = ""
        item.save(
            update_fields=["state", "state_before_dead_letter", "attempts", "next_check_at",
                           "detail", "outcome", "updated_at"]
        )  # fmt: skip
        order = item.order
        audit_record(
            action=Action.ORDER_ITEM_RETRY,
            target=item,
            target_label=item.reference,
            reseller=order.reseller,
            client=order.client,
            changes={"state": [ItemState.DEAD_LETTER, item.state]},
        )
        from .tasks import enqueue_provisioning

        transaction.on_commit(lambda: enqueue_provisioning([item_id]))
    return True


def order_item_check_soon(*, item_id: int) -> bool:
    """A provider told us something about this item: look now (a worker on it looks again)."""
    now = timezone.now()
    updated = (
        OrderItem.objects.filter(pk=item_id, state__in=ACTIVE_STATES)
        .exclude(state=ItemState.PLACED)
        .update(next_check_at=now, poked_at=now)
    )
    if updated:
        from .tasks import enqueue_provisioning

        transaction.on_commit(lambda: enqueue_provisioning([item_id]))
    return bool(updated)


def due_item_ids(*, limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        OrderItem.objects.filter(state__in=ACTIVE_STATES, next_check_at__lte=now)
        .exclude(lease_until__gt=now)
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:limit]
    )
