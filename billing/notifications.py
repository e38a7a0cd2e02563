"""Emails about orders, in the reseller's brand (clients never read a provider's name)."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from customers.branding import brand_email, brand_for_reseller, mail_sender
from customers.models import Membership, Role

from .models import Order
from .settlement import order_waits_on_client

_NOT_CLAIMED = object()


def _claim(order_id: int, now) -> object:
    """Once per resting point: when all that is left of the order waits on the client's
    documents (its numbers are held, nothing charged yet), and again when it ends.

    Returns the order's notified_at before the claim (to give the claim back if the mail cannot
    be sent), or _NOT_CLAIMED."""
    previous = Order.objects.filter(pk=order_id).values_list("notified_at", flat=True).first()
    ended = (
        Order.objects.filter(pk=order_id, completed_at__isnull=False, notified_at=previous)
        .filter(Q(notified_at__isnull=True) | Q(notified_at__lt=F("completed_at")))
        .update(notified_at=now)
    )
    if ended:
        return previous
    order = Order.objects.filter(pk=order_id, completed_at__isnull=True, notified_at__isnull=True)
    if not order.exists() or not order_waits_on_client(order.get()):
        return _NOT_CLAIMED
    return None if order.update(notified_at=now) else _NOT_CLAIMED


def _release(order_id: int, claimed_at, previous) -> None:
    """Give the claim back (only if it is still ours), so that a retry sends the mail."""
    Order.objects.filter(pk=order_id, notified_at=claimed_at).update(notified_at=previous)


def _one_line(text: str) -> str:
    """Names stored before control characters were refused must not break a mail header."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def order_notify(*, order_id: int) -> bool:
    """Tell the client (and the reseller, if it asked) how an order ended, or that it waits
    for documents. Each of those once."""
    claimed_at = timezone.now()
    previous = _claim(order_id, claimed_at)
    if previous is _NOT_CLAIMED:
        return False
    try:
        _send(order_id)
    except Exception:
        # Marked notified only once the mail went: the task retries with the claim given back.
        _release(order_id, claimed_at, previous)
        raise
    return True


def _send(order_id: int) -> None:
    order = Order.objects.select_related("client", "reseller", "placed_by").get(pk=order_id)
    items = list(order.items.select_related("order__reseller"))
    people = Membership.objects.filter(client=order.client).filter(
        Q(role=Role.CLIENT_ADMIN) | Q(user=order.placed_by_id)
    )
    recipients = sorted({m.user.email for m in people.select_related("user")})
    context = {
        "order": order,
        "items": items,
        "brand": order.reseller,
        "url": settings.SITE_URL + reverse("billing:order", args=[order.reference]),
        "waiting": order.completed_at is None,
    }
    subject = render_to_string("billing/email/order_subject.txt", context).strip()
    # From the reseller's name (on the platform's sending address), replies to its support.
    brand = brand_for_reseller(order.reseller)
    sender = mail_sender(brand)
    subject = _one_line(subject)
    messages = []
    if recipients:
        messages.append(
            EmailMessage(
                f"[{_one_line(brand.name)}] {subject}",
                render_to_string("billing/email/order.txt", context),
                sender.from_email,
                recipients,
                reply_to=sender.reply_to,
            )
        )
    if order.reseller.order_emails and order.reseller.support_email:
        messages.append(
            EmailMessage(
                f"[{_one_line(order.client.name)}] {subject}",
                render_to_string("billing/email/order.txt", {**context, "for_reseller": True}),
                sender.from_email,
                [order.reseller.support_email],
            )
        )
    for message in messages:
        message.message()  # a header that cannot be sent fails here, before anything went out
    for message in messages:
        message.send()


def pending_payment_email_send(*, pending_id: int) -> bool:
    """Tell the reseller's owners that a staff payment waits for them (in their brand)."""
    from .models_payments import PendingPayment
    from .money import format_minor

    pending = (
        PendingPayment.objects.select_related("reseller", "client", "recorded_by")
        .filter(pk=pending_id, status=PendingPayment.Status.PENDING)
        .first()
    )
    if pending is None:
        return False  # decided before the job ran
    owners = Membership.objects.filter(
        reseller=pending.reseller, role=Role.RESELLER_OWNER, user__is_active=True
    ).select_related("user")
    recipients = sorted({m.user.email for m in owners})
    if not recipients:
        return False
    context = {
        "pending": pending,
        "amount": format_minor(pending.amount_minor, pending.currency),
        "brand": pending.reseller,
        "url": settings.SITE_URL + reverse("billing:reseller_payments"),
    }
    brand_email(
        brand=brand_for_reseller(pending.reseller),
        template="billing/email/payment_pending",
        context=context,
        to=recipients,
    ).send()
    return True
