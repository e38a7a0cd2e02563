"""Renewal emails, in the reseller's brand: each once per number, period and kind.

A notice is claimed by inserting its ``RenewalNotice`` row (unique per number, period and kind)
and the claim is given back if the mail cannot be sent, so the task's retry sends it.
Client admins read about their numbers; when it is the reseller's wallet that fell short, the
reseller's support address is told instead (the client is not charged and is not told why).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse

from customers.branding import brand_email, brand_for_reseller
from customers.models import Membership, Role
from inventory.models import Number, NumberStatus, StateReason

from .. import ledger
from ..invoices.terms import TermsCache
from ..money import format_minor, format_money
from .models import NoticeKind, RenewalNotice
from .postings import client_charge_minor

WARN_DAYS = 7


def enqueue_notice(*, number: Number, kind: str) -> None:
    """Send the notice once the caller's transaction commits."""
    from ..tasks import renewal_notice_task

    args = (number.pk, number.next_period_start.isoformat(), kind)
    transaction.on_commit(lambda: renewal_notice_task.delay(*args))


def renewal_notice_send(*, number_id: int, period_start: str, kind: str) -> bool:
    """Send one notice unless it was sent already; True when sent now."""
    start = dt.date.fromisoformat(period_start)
    try:
        with transaction.atomic():
            claim = RenewalNotice.objects.create(number_id=number_id, period_start=start, kind=kind)
    except IntegrityError:
        return False
    try:
        _send([Number.objects.select_related("reseller", "client").get(pk=number_id)], kind)
    except Exception:
        RenewalNotice.objects.filter(pk=claim.pk).delete()
        raise
    return True


def _send(numbers: list[Number], kind: str) -> None:
    first = numbers[0]
    reseller, client = first.reseller, first.client
    to_reseller = first.state_reason == StateReason.RESELLER_FUNDS and kind not in (
        NoticeKind.UPCOMING_SHORT,
        NoticeKind.PRICE_CHANGE,
    )
    if to_reseller:
        recipients = [reseller.support_email] if reseller.support_email else []
    else:
        admins = Membership.objects.filter(client=client, role=Role.CLIENT_ADMIN)
        recipients = sorted(admins.values_list("user__email", flat=True))
    if not recipients:
        return
    if kind == NoticeKind.PRICE_CHANGE:
        numbers = [n for n in numbers if n.retail_period_next_from is not None]
        if not numbers:
            return  # the change was withdrawn before this was sent
        rows = [
            (n, format_money(n.retail_period_next, n.currency), n.retail_period_next_from)
            for n in numbers
        ]
    else:
        terms = TermsCache()
        rows = [
            (n, format_minor(client_charge_minor(n, terms), n.currency), n.next_period_start)
            for n in numbers
        ]
    context = {
        "kind": kind,
        "rows": rows,
        "client": client,
        "brand": reseller,
        "for_reseller": to_reseller,
        "url": settings.SITE_URL + reverse("billing:numbers"),
    }
    brand_email(
        brand=brand_for_reseller(reseller),
        template="billing/email/renewal",
        context=context,
        to=recipients,
    ).send()


def renewals_warn_upcoming(*, now: dt.datetime) -> int:
    """Tell each client whose wallet will not cover its renewals of the next 7 days, once per
    number and period. Returns how many numbers were named."""
    sent = RenewalNotice.objects.filter(
        number=OuterRef("pk"),
        period_start=OuterRef("next_period_start"),
        kind=NoticeKind.UPCOMING_SHORT,
    )
    upcoming = (
        Number.objects.filter(
            status=NumberStatus.ACTIVE,
            auto_renew=True,
            provider_blocked=False,
            renewal_due_at__gt=now,
            renewal_due_at__lte=now + dt.timedelta(days=WARN_DAYS),
        )
        .exclude(Exists(sent))
        .select_related("reseller", "client")
        .order_by("client_id", "renewal_due_at", "pk")
    )
    by_client: dict[int, list[Number]] = defaultdict(list)
    for number in upcoming.iterator(chunk_size=500):
        by_client[number.client_id].append(number)
    named = 0
    terms = TermsCache()
    for numbers in by_client.values():
        wallet = ledger.client_wallet(numbers[0].client)
        available = wallet.balance_minor + wallet.credit_limit_minor
        due = sum(client_charge_minor(n, terms) for n in numbers)
        if due <= available:
            continue
        with transaction.atomic():
            RenewalNotice.objects.bulk_create(
                [
                    RenewalNotice(
                        number=n, period_start=n.next_period_start, kind=NoticeKind.UPCOMING_SHORT
                    )
                    for n in numbers
                ],
                ignore_conflicts=True,
            )
            _send(numbers, NoticeKind.UPCOMING_SHORT)
        named += len(numbers)
    return named
