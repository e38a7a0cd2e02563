"""Sending texts from clients' numbers and receiving them (services write; DESIGN.md §1).

Sending. ``message_send_request`` stores the text ``queued`` and enqueues ``message_send_task``
after commit; the page polls the row. The job (``message_send``) claims the row (``queued`` →
``sending``, committed *before* the provider is called) and calls ``adapter.sms_send`` once:

- the provider took it → ``sent`` (with its message id);
- it refused it (bad destination, number without SMS…) → ``failed``, with a sentence for the
  client in plain words and the provider's own words kept for staff (``detail``);
- it is rate limiting (429: nothing was sent) → back to ``queued`` and tried again shortly, up to
  ``SEND_ATTEMPTS`` calls, then ``failed`` ("try again later");
- the answer was lost (timeout, connection dropped, 5xx: ``OutcomeUnknown``) → ``unknown``. A text
  is charged upstream and DIDfarm offers no way to look a sent message up by our reference, so it
  is **never sent again by itself**: the client is told it could not be confirmed and may send it
  again knowingly. A job that finds its row still ``sending`` (the worker died mid-call) marks it
  ``unknown`` the same way.

Receiving. ``message_receive`` stores a provider's ``InboundEvent.message`` on the number it was
sent to (that account's numbers only), once: ``UNIQUE(provider account, direction, external id)``
where the external id is the provider's message id (else the event id), and queues its forwards
(``forwarding.py``) after commit. The webhook answer never waits for a forward.

Clients are not charged per text (not in scope); upstream, DIDfarm debits the platform's wallet.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Membership
from customers.tenant_status import Action, tenant_action_require
from inventory.accounts import adapter_for
from inventory.models import Number, ProviderAccount
from inventory.models_numbers import NumberStatus
from inventory.providers import errors
from inventory.providers.webhooks import InboundEvent, StaleEvent

from .models import Direction, Message, MessageStatus
from .texts import BODY_LIMIT, destination_e164, number_can_send, number_has_texts

logger = logging.getLogger("didhub.messaging")

SEND_ATTEMPTS = 4  # calls made for one text while the provider rate limits (nothing sent)
STUCK_AFTER = timedelta(minutes=1)  # a queued text's job is lost after this (retries wait 15 s)
TIMESTAMP_PAST = timedelta(hours=25)  # DIDfarm retries deliveries for 24 hours
TIMESTAMP_FUTURE = timedelta(minutes=5)

UNAVAILABLE = gettext_lazy("Text messages cannot be sent at the moment. Please try again later.")


# --- sending ----------------------------------------------------------------------------------


def message_send_request(*, actor: Membership, number: Number, to: str, body: str) -> Message:
    """Queue a text from ``number`` (one of the actor's client's numbers) to ``to``. Raises
    ``ValidationError`` keyed by field for what a person must fix, ``TenantPaused`` when the
    client may not change things now."""
    if not actor.is_client or number.client_id != actor.client_id:
        raise ValidationError(_("This number is not one of yours."))
    tenant_action_require(membership=actor, action=Action.NUMBERS)
    if not number_has_texts(number):
        raise ValidationError(_("This number cannot send or receive text messages."))
    if not number_can_send(number):
        raise ValidationError(_("This number is not in service: it cannot send text messages."))
    text = body.replace("\r\n", "\n")
    problems: dict[str, str] = {}
    if not text.strip():
        problems["body"] = _("Write a message.")
    elif len(text) > BODY_LIMIT:
        problems["body"] = _("A message is at most %(limit)d characters.") % {"limit": BODY_LIMIT}
    try:
        destination = destination_e164(to, region=number.client.billing_country)
    except ValueError:
        problems["to"] = _("Enter a valid phone number, with its country code (+…).")
    else:
        if destination == number.e164:
            problems["to"] = _("A number cannot send a message to itself.")
    if problems:
        raise ValidationError(problems)
    message = Message.objects.create(
        number=number,
        client_id=number.client_id,
        provider_account_id=number.provider_account_id,
        direction=Direction.OUT,
        sender=number.e164,
        recipient=destination,
        body=text,
        status=MessageStatus.QUEUED,
        sent_by=actor.user,
    )
    transaction.on_commit(lambda: _enqueue_send(message.pk))
    return message


def _enqueue_send(message_id: int, countdown: float = 0) -> None:
    from .tasks import message_send_task

    if countdown:
        message_send_task.apply_async((message_id,), countdown=countdown)
    else:
        message_send_task.delay(message_id)


def message_send(*, message_id: int) -> str:
    """The job: send one queued text (see the module's docstring). Returns what happened."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, direction=Direction.OUT)
            .select_related("number", "provider_account")
            .first()
        )
        if message is None:
            return "locked or gone"
        if message.status == MessageStatus.SENDING:
            _settle(message, MessageStatus.UNKNOWN, detail="the job stopped during the call")
            return "unknown: the last call was interrupted; not sent again"
        if message.status != MessageStatus.QUEUED:
            return f"{message.status}: nothing to do"
        message.status = MessageStatus.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts", "updated_at"])
    # Committed: from here a crash leaves the row "sending", which the next run reads as unknown.
    try:
        account = message.provider_account
        adapter = adapter_for(account)
        if "sms" not in adapter.capabilities:
            raise errors.InvalidRequest("the provider cannot send texts", code="sms_not_supported")
        sent = adapter.sms_send(message.sender, message.recipient, message.body)
    except errors.RateLimited as error:
        return _rate_limited(message, error)
    except errors.OutcomeUnknown as error:
        _settle(message, MessageStatus.UNKNOWN, detail=str(error))
        logger.warning("text %s: outcome unknown (%s); not sent again", message.pk, error)
        return "unknown: not sent again"
    except errors.ProviderError as error:
        _settle(message, MessageStatus.FAILED, error=client_error(error), detail=str(error))
        logger.info("text %s refused: %s", message.pk, error)
        return f"failed: {error}"
    _settle(message, MessageStatus.SENT, external_id=sent.external_id[:200])
    return "sent"


def stuck_message_ids(now: datetime | None = None) -> list[int]:
    """Texts still queued a minute after their last change: their job was lost (a broker that
    was down at commit, a worker killed before it started). Sending them is safe: nothing was
    called yet (a call in flight is ``sending``, never ``queued``)."""
    since = (now or timezone.now()) - STUCK_AFTER
    return list(
        Message.objects.filter(status=MessageStatus.QUEUED, updated_at__lt=since)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )


def _rate_limited(message: Message, error: errors.RateLimited) -> str:
    if message.attempts >= SEND_ATTEMPTS:
        _settle(message, MessageStatus.FAILED, error=str(UNAVAILABLE), detail=str(error))
        return "failed: still rate limited"
    _settle(message, MessageStatus.QUEUED, detail=str(error))
    wait = min(max(error.retry_after or 0, 2.0 * message.attempts), 15.0)
    transaction.on_commit(lambda: _enqueue_send(message.pk, countdown=wait))
    return f"rate limited: again in {wait:g}s"


def _settle(message: Message, status: str, *, error: str = "", detail: str = "",
            external_id: str = "") -> None:  # fmt: skip
    """Record the outcome, only over a row still in flight (a late job changes nothing else)."""
    changes = {"status": status, "error": error[:300], "detail": detail[:500]}
    if external_id:
        changes["external_id"] = external_id
    Message.objects.filter(
        pk=message.pk, status__in=(MessageStatus.SENDING, MessageStatus.QUEUED)
    ).update(updated_at=timezone.now(), **changes)  # fmt: skip


def client_error(error: errors.ProviderError) -> str:
    """A provider's refusal as a sentence for the client: plain words, no provider names."""
    code = (error.code or "").lower()
    field_name = getattr(error, "field", "")
    if isinstance(error, errors.InvalidRequest):
        if field_name == "to":
            return _("The destination number is not valid.")
        if code == "number_not_active":
            return _("This number is not active yet: it cannot send text messages.")
        if code in ("sms_not_supported", "invalid_number") or field_name in ("from", "number"):
            return _("This number cannot send text messages.")
        if field_name == "body":
            return _("The message is empty or too long.")
        return _("The message was refused. Check the destination number and the text.")
    # Our account upstream (funds, key, permissions): not the client's doing.
    return str(UNAVAILABLE)


# --- receiving --------------------------------------------------------------------------------


def message_receive(
    *, account: ProviderAccount, event: InboundEvent, now: datetime | None = None
) -> tuple[Message | None, bool]:
    """Store the text ``event`` carries, once, and queue its forwards. Returns (message, created);
    (None, True) when no number of this account matches (acknowledged and logged, not stored).
    ``StaleEvent`` for a first delivery whose timestamp is outside the window."""
    inbound = event.message
    if inbound is None:
        raise ValueError("not a message event")
    external_id = (inbound.message_id or event.event_id)[:200]
    existing = Message.objects.filter(
        provider_account=account, direction=Direction.IN, external_id=external_id
    ).first()
    if existing is not None:
        return existing, False
    _check_fresh(event.timestamp, now or timezone.now())
    number = (
        Number.objects.filter(provider_account=account, e164=inbound.number)
        .exclude(status=NumberStatus.RELEASED)
        .first()
    )
    if number is None:
        logger.info("text for %s on %s: not a number of ours, ignored", inbound.number, account)
        return None, True
    from .forwarding import forwards_queue

    try:
        with transaction.atomic():
            message = Message.objects.create(
                number=number,
                client_id=number.client_id,
                provider_account=account,
                direction=Direction.IN,
                sender=inbound.sender[:40],
                recipient=inbound.number,
                body=inbound.body,
                status=MessageStatus.RECEIVED,
                external_id=external_id,
            )
            forwards_queue(message=message)
    except IntegrityError:  # the same event delivered twice at once: the other one stored it
        stored = Message.objects.filter(
            provider_account=account, direction=Direction.IN, external_id=external_id
        ).first()
        if stored is None:
            raise
        return stored, False
    return message, True


def _check_fresh(timestamp: datetime | None, now: datetime) -> None:
    if timestamp is None:
        return
    if timezone.is_naive(timestamp):
        timestamp = timestamp.replace(tzinfo=UTC)
    if timestamp < now - TIMESTAMP_PAST or timestamp > now + TIMESTAMP_FUTURE:
        raise StaleEvent(f"the message's timestamp {timestamp.isoformat()} is outside the window")
