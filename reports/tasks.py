"""Celery tasks of reports: thin, call a service (DESIGN.md §1, §5)."""

from __future__ import annotations

from celery import shared_task

from .numbers import active_retail_fold


@shared_task(name="reports.active_retail_fold_task")
def active_retail_fold_task() -> int:
    return active_retail_fold()
