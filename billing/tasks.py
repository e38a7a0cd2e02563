"""Celery tasks of billing: thin, take ids, call a service (DESIGN.md §1, §5)."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from .notifications import order_notify
from .provisioning import due_item_ids, order_item_advance

# Short waits ride on the task itself; anything later is the sweeper's (long countdowns collide
# with the broker's visibility timeout).
COUNTDOWN_LIMIT_SECONDS = 15


@shared_task(name="billing.order_item_advance_task")
def order_item_advance_task(item_id: int) -> str:
    return order_item_advance(item_id=item_id)


@shared_task(name="billing.provisioning_sweep_task")
def provisioning_sweep_task() -> int:
    """Every few seconds (beat): queue every item whose next check is due. Catches what a lost
    task, a killed worker or a missed callback left behind."""
    ids = due_item_ids()
    for item_id in ids:
        order_item_advance_task.delay(item_id)
    return len(ids)


# A mail server that is down (OSError covers smtplib's errors) gives the claim back; try again.
@shared_task(
    name="billing.order_notification_task",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=8,
)
def order_notification_task(order_id: int) -> None:
    order_notify(order_id=order_id)


def enqueue_provisioning(item_ids: list[int]) -> None:
    for item_id in item_ids:
        order_item_advance_task.delay(item_id)


def enqueue_check(item_id: int, when: datetime) -> None:
    if order_item_advance_task.app.conf.task_always_eager:
        return  # eager (tests): running it now would only find it not due; tests drive time
    delay = (when - timezone.now()).total_seconds()
    if delay <= COUNTDOWN_LIMIT_SECONDS:
        order_item_advance_task.apply_async((item_id,), countdown=max(delay, 0))


def enqueue_order_notification(order_id: int) -> None:
    order_notification_task.delay(order_id)


@shared_task(
    name="billing.pending_payment_email_task",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=8,
)
def pending_payment_email_task(pending_id: int) -> bool:
    from .notifications import pending_payment_email_send

    return pending_payment_email_send(pending_id=pending_id)


# --- renewals (billing/renewals/) ---------------------------------------------------------------


@shared_task(name="billing.renewals_run_task")
def renewals_run_task() -> int:
    """Every few minutes (beat): charge what is due, move unpaid numbers on by time. Cheap when
    nothing is due (one indexed query)."""
    from .renewals.charging import renewals_run

    return renewals_run(now=timezone.now()).numbers


@shared_task(name="billing.renewals_warn_task")
def renewals_warn_task() -> int:
    """Hourly (beat): warn clients whose wallet will not cover the next 7 days' renewals."""
    from .renewals.notices import renewals_warn_upcoming

    return renewals_warn_upcoming(now=timezone.now())


@shared_task(name="billing.renewals_retry_task")
def renewals_retry_task(*, client_id: int | None = None, reseller_id: int | None = None) -> int:
    """After a top-up or a raised credit limit: charge what the wallet's numbers owe."""
    from .renewals.services import renewals_retry_owed

    return renewals_retry_owed(client_id=client_id, reseller_id=reseller_id).charged


@shared_task(
    name="billing.renewal_notice_task", autoretry_for=(OSError,), retry_backoff=60, max_retries=8
)
def renewal_notice_task(number_id: int, period_start: str, kind: str) -> bool:
    from .renewals.notices import renewal_notice_send

    return renewal_notice_send(number_id=number_id, period_start=period_start, kind=kind)


# --- reconciliation (billing/reconcile/) --------------------------------------------------------
from .reconcile.tasks import (  # noqa: E402, F401
    reconcile_account_task,
    reconcile_all_task,
    reconcile_release_task,
)


@shared_task(
    name="billing.invoices_email_task", autoretry_for=(OSError,), retry_backoff=60, max_retries=8
)
def invoices_email_task(invoice_ids: list[int]) -> int:
    from .invoices.delivery import invoices_email_send

    return invoices_email_send(invoice_ids=invoice_ids)


@shared_task(name="billing.invoices_close_task")
def invoices_close_task() -> int:
    """Hourly (beat): each issuer's previous month, in its time zone, once it has ended;
    cheap once closed (recipients invoiced already are skipped)."""
    from .invoices.close import invoices_close_due

    return invoices_close_due().issued
