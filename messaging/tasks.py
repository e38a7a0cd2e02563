"""Celery tasks of messaging: thin, take ids, call a service (DESIGN.md §1)."""

from __future__ import annotations

from celery import shared_task

from .forwarding import TIMEOUT, due_delivery_ids, forward_delivery_attempt
from .services import message_send, stuck_message_ids


@shared_task(name="messaging.message_send_task")
def message_send_task(message_id: int) -> str:
    return message_send(message_id=message_id)


# httpx's timeouts bound each read, not the whole request: a receiver dripping its answer could
# hold a worker. The attempt is claimed for TIMEOUT * 3, so a stopped one is swept up again.
@shared_task(
    name="messaging.forward_delivery_task",
    soft_time_limit=TIMEOUT * 2,
    time_limit=TIMEOUT * 2 + 5,
)
def forward_delivery_task(delivery_id: int) -> str:
    return forward_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="messaging.forward_sweep_task")
def forward_sweep_task() -> int:
    """Every minute (beat): queue every forward whose next attempt is due (retries with backoff,
    and attempts a lost task or a killed worker left behind), and every text whose send job was
    lost before it started."""
    ids = due_delivery_ids()
    for delivery_id in ids:
        forward_delivery_task.delay(delivery_id)
    stuck = stuck_message_ids()
    for message_id in stuck:
        message_send_task.delay(message_id)
    return len(ids) + len(stuck)
