"""Emails about orders, in the reseller's brand (clients never read a provider's name)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from customers.branding import brand_for_reseller, mail_sender
from customers.models import Membership, Role

from .models import Order


def order_notify(*, order_id: int) -> bool:
    """Tell the client (and the reseller, if it asked) that an order finished. Once per order."""
    claimed = Order.objects.filter(
        pk=order_id, notified_at__isnull=True, completed_at__isnull=False
    ).update(notified_at=timezone.now())
    if not claimed:
        return False
    order = Order.objects.select_related("client", "reseller", "placed_by").get(pk=order_id)
    items = list(order.items.all())
    people = Membership.objects.filter(client=order.client).filter(
        Q(role=Role.CLIENT_ADMIN) | Q(user=order.placed_by_id)
    )
    recipients = sorted({m.user.email for m in people.select_related("user")})
    context = {
        "order": order,
        "items": items,
        "brand": order.reseller,
        "url": settings.SITE_URL + reverse("billing:order", args=[order.reference]),
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
