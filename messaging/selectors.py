"""Reading messages, always scoped to the viewer's client (DESIGN.md §6)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from customers.models import Membership
from inventory.models import Number
from inventory.models_numbers import NumberStatus

from .models import ForwardDelivery, Message


def client_number_get(*, actor: Membership, pk: int) -> Number:
    """One of the viewer's client's numbers (not released); else a 404. Client people only:
    the views refuse everyone else before asking."""
    if not actor.is_client:
        raise Http404
    number = (
        Number.objects.exclude(status=NumberStatus.RELEASED)
        .select_related("group", "provider_account", "client")
        .filter(pk=pk, client_id=actor.client_id)
        .first()
    )
    if number is None:
        raise Http404
    return number


def number_messages(*, actor: Membership, number: Number) -> QuerySet[Message]:
    """The number's texts, received and sent, newest first (the viewer's client's only)."""
    if not actor.is_client or number.client_id != actor.client_id:
        raise Http404
    return Message.objects.filter(number=number, client_id=actor.client_id).order_by(
        "-created_at", "-pk"
    )


def recent_forwards(*, actor: Membership, limit: int = 10) -> QuerySet[ForwardDelivery]:
    """The client's latest forwards with their attempts (the settings page's log)."""
    if not actor.is_client:
        raise Http404
    return (
        ForwardDelivery.objects.filter(message__client_id=actor.client_id)
        .select_related("message")
        .order_by("-created_at", "-pk")[:limit]
    )
