"""Forwarding received texts to a client's email address and/or HTTPS URL.

Settings (``forwarding_save``): client admins choose an email address and/or an ``https://`` URL
on the standard port. A URL whose host is ``localhost``, a private, loopback, link-local or
reserved IP address, or a name resolving to one, is refused (``MESSAGING_FORWARD_ALLOW_PRIVATE``
lifts that and the port rule, and allows ``http://``, in the demo). Setting a URL the first time
makes a signing secret, shown once; it can be replaced.

Each delivery vets the URL again, resolves its host once and posts to that vetted address
(``portal.egress.send``: no second resolution, so DNS rebinding cannot reach our network). A
refused address fails the delivery at once, for good, with the reason on the forwarding page.

What a URL receives: ``POST`` with a JSON body ::

    {"event": "message.received", "id": "msg_41", "number": "+31201234567",
     "from": "+31612345678", "to": "+31201234567", "body": "…", "received_at": "…Z"}

and two headers: ``X-Webhook-Timestamp`` (Unix seconds) and ``X-Webhook-Signature``:
``sha256=`` + the hex HMAC-SHA256 of ``"<timestamp>.<raw body>"`` keyed with the secret. Any 2xx
is delivered; anything else (or no answer within ``TIMEOUT`` seconds) is tried again after
``BACKOFF`` (30 s, 2 min, 10 min, 1 h, 6 h, 12 h: seven attempts over about 20 hours), then the
delivery is marked failed. Redirects are not followed; the response's body is never read. Each
attempt is recorded on the ``ForwardDelivery`` (attempts, last status, next attempt).

Attempts are claimed before they are made (``next_attempt_at`` moves past the attempt's
timeout first), so a worker that dies mid-attempt leaves the delivery for the sweeper, and two
workers never send the same attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import smtplib
from datetime import UTC, datetime, timedelta

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.branding import brand_email, brand_for_reseller
from customers.models import Client, Membership
from customers.tenant_status import Action, tenant_action_require
from portal import egress

from .models import Channel, DeliveryState, ForwardDelivery, Forwarding, Message

logger = logging.getLogger("didhub.messaging")

TIMEOUT = 10.0
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
COUNTDOWN_LIMIT = 15  # seconds a retry may wait on the task itself; later ones are the sweeper's
SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"


# --- settings ---------------------------------------------------------------------------------


def _allow_private() -> bool:
    return getattr(settings, "MESSAGING_FORWARD_ALLOW_PRIVATE", False)


def _schemes() -> dict[str, int]:
    return {"https": 443, "http": 80} if _allow_private() else {"https": 443}


def forward_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a forwarding URL, in plain words; None when it can. The same rules
    as each delivery's (``portal.egress``), the host name resolved now: a name that does not
    resolve yet is accepted (its deliveries are retried), one with a private address is not."""
    allow_private = _allow_private()
    problem = egress.url_problem(url, schemes=_schemes(), allow_private=allow_private)
    return problem or egress.host_problem(url, allow_private=allow_private)


def forwarding_of(client: Client) -> Forwarding | None:
    return Forwarding.objects.filter(client=client).first()


def forwarding_save(*, actor: Membership, email: str, url: str) -> tuple[Forwarding, str]:
    """Save a client admin's forwarding choices. Returns (forwarding, new secret or "")."""
    if not actor.is_client_admin:
        raise ValidationError(_("Only the account's administrators can change forwarding."))
    tenant_action_require(membership=actor, action=Action.NUMBERS)
    url = url.strip()
    problem = forward_url_problem(url) if url else None
    if problem:
        raise ValidationError({"url": problem})
    with transaction.atomic():
        forwarding, _created = Forwarding.objects.select_for_update().get_or_create(
            client_id=actor.client_id
        )
        forwarding.email, forwarding.url = email.strip(), url
        secret = ""
        if url and not forwarding.signing_secret:
            secret = _new_secret(forwarding)
        forwarding.save()
    return forwarding, secret


def forwarding_secret_regenerate(*, actor: Membership) -> str:
    """A new signing secret for the client's URL (the old one stops at once); shown once."""
    if not actor.is_client_admin:
        raise ValidationError(_("Only the account's administrators can change forwarding."))
    tenant_action_require(membership=actor, action=Action.NUMBERS)
    with transaction.atomic():
        forwarding, _created = Forwarding.objects.select_for_update().get_or_create(
            client_id=actor.client_id
        )
        secret = _new_secret(forwarding)
        forwarding.save()
    return secret


def _new_secret(forwarding: Forwarding) -> str:
    secret = "whsec_" + secrets.token_urlsafe(24)
    forwarding.secret = {"secret": secret}
    forwarding.secret_hint = secret[:10]
    return secret


# --- deliveries -------------------------------------------------------------------------------


def forwards_queue(*, message: Message) -> list[int]:
    """Create the deliveries of a received text (inside the caller's transaction) and enqueue
    them after commit."""
    forwarding = forwarding_of(message.client)
    if forwarding is None:
        return []
    now = timezone.now()
    created = []
    for channel, target in ((Channel.EMAIL, forwarding.email), (Channel.URL, forwarding.url)):
        if target:
            delivery = ForwardDelivery.objects.create(
                message=message, channel=channel, target=target, next_attempt_at=now
            )
            created.append(delivery.pk)
    if created:
        transaction.on_commit(lambda: _enqueue(created))
    return created


def _enqueue(ids: list[int], countdown: float = 0) -> None:
    from .tasks import forward_delivery_task

    for delivery_id in ids:
        if countdown:
            forward_delivery_task.apply_async((delivery_id,), countdown=countdown)
        else:
            forward_delivery_task.delay(delivery_id)


def due_delivery_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        ForwardDelivery.objects.filter(state=DeliveryState.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def forward_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> str:
    """Make the delivery's next attempt if it is due. Returns what happened."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            ForwardDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, state=DeliveryState.PENDING)
            .select_related("message", "message__client", "message__client__reseller")
            .first()
        )
        if delivery is None:
            return "locked, done or gone"
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return "not due"
        delivery.attempts += 1
        delivery.last_attempt_at = now
        # Claimed: if this attempt never reports back, the sweeper tries again after this.
        delivery.next_attempt_at = now + timedelta(seconds=TIMEOUT * 3)
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    final = False
    if delivery.channel == Channel.EMAIL:
        ok, status = _send_email(delivery)
    else:
        ok, status, final = _post(delivery, now)
    return _record(delivery, ok, status, now, final=final)


def _record(
    delivery: ForwardDelivery, ok: bool, status: str, now: datetime, *, final: bool = False
) -> str:
    fields = {"last_status": status[:200]}
    if ok:
        fields.update(state=DeliveryState.DELIVERED, next_attempt_at=None)
        outcome = "delivered"
    elif final:
        fields.update(state=DeliveryState.FAILED, next_attempt_at=None)
        outcome = f"refused for good ({status})"
        logger.warning("forward %s of text %s: %s", delivery.pk, delivery.message_id, outcome)
    elif delivery.attempts >= MAX_ATTEMPTS:
        fields.update(state=DeliveryState.FAILED, next_attempt_at=None)
        outcome = f"failed for good after {delivery.attempts} attempts ({status})"
        logger.warning("forward %s of text %s: %s", delivery.pk, delivery.message_id, outcome)
    else:
        wait = BACKOFF[delivery.attempts - 1]
        fields["next_attempt_at"] = now + wait
        outcome = f"{status}: again in {int(wait.total_seconds())}s"
        if wait.total_seconds() <= COUNTDOWN_LIMIT:
            transaction.on_commit(lambda: _enqueue([delivery.pk], wait.total_seconds()))
    ForwardDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(**fields)
    return outcome


def payload(message: Message) -> bytes:
    data = {
        "event": "message.received",
        "id": f"msg_{message.pk}",
        "number": message.recipient,
        "from": message.sender,
        "to": message.recipient,
        "body": message.body,
        "received_at": message.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>.<body>"``: what receivers check."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _post(delivery: ForwardDelivery, now: datetime) -> tuple[bool, str, bool]:
    """One signed POST to the vetted address of the URL. Returns (delivered, status for the
    client, final): a refused address is final, trying again would not change it."""
    forwarding = forwarding_of(delivery.message.client)
    secret = forwarding.signing_secret if forwarding else ""
    body = payload(delivery.message)
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    try:
        with egress.send(
            "POST",
            delivery.target,
            timeout=TIMEOUT,
            schemes=_schemes(),
            allow_private=_allow_private(),
            headers=headers,
            content=body,
        ) as response:
            # Only the status counts: the body is never read (nothing to cap).
            return response.is_success, f"HTTP {response.status_code}", False
    except egress.Refused as refused:
        return False, refused.reason, True
    except egress.Unresolved:
        return False, _("The host name was not found."), False
    except httpx.TimeoutException:
        return False, "timed out", False
    except httpx.HTTPError as exc:
        return False, f"no answer ({type(exc).__name__})", False


def _send_email(delivery: ForwardDelivery) -> tuple[bool, str]:
    message = delivery.message
    try:
        brand_email(
            brand=brand_for_reseller(message.client.reseller),
            template="messaging/email/forward",
            context={"message": message, "client": message.client},
            to=[delivery.target],
        ).send()
    except (OSError, smtplib.SMTPException) as exc:
        return False, f"mail not sent ({type(exc).__name__})"
    return True, "sent"
