"""Emails about orders, in the reseller's brand (clients never read a provider's name)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from customers.branding import brand_for_reseller, mail_sender
from customers.models import Membership, Role

from .models import Order
from .settlement import order_waits_on_client


def _claim(order_id: int) -> bool:
    """Once per resting point: when all that is left of the order waits on the client's
    documents (its numbers are held, nothing charged yet), and again when it ends."""
    now = timezone.now()
    ended = (
        Order.objects.filter(pk=order_id, completed_at__isnull=False)
        .filter(Q(notified_at__isnull=True) | Q(notified_at__lt=F("completed_at")))
        .update(notified_at=now)
    )
    if ended:
        return True
    order = Order.objects.filter(pk=order_id, completed_at__isnull=True, notified_at__isnull=True)
    if not order.exists() or not order_waits_on_client(order.get()):
        return False
    return bool(order.update(notified_at=now))


def order_notify(*, order_id: int) -> bool:
    """Tell the client (and the reseller, if it asked) how an order ended, or that it waits
    for documents. Each of those once."""
    if not _claim(order_id):
        return False
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
    if recipients:
        EmailMessage(
            f"[{brand.name}] {subject}",
            render_to_string("billing/email/order.txt", context),
            sender.from_email,
            recipients,
            reply_to=sender.reply_to,
        ).send()
    if order.reseller.order_emails and order.reseller.support_email:
        EmailMessage(
            f"[{order.client.name}] {subject}",
            render_to_string("billing/email/order.txt", {**context, "for_reseller": True}),
            sender.from_email,
            [order.reseller.support_email],
        ).send()
    return True
