"""``make bench``: measure the performance budgets of DESIGN.md §8, print one JSON object.

Runs on PostgreSQL in a throwaway database (created and dropped here), never on your data.
"""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

from inventory.accounts import provider_account_create
from inventory.sandbox.registry import SANDBOXES, reset_sandboxes
from inventory.sync import catalog_sync

SYNC_MIN_GROUPS = 250_000


class Command(BaseCommand):
    help = "Run the benchmarks and print one JSON object of named figures."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale", type=int, default=0, help="sandbox scale (0: enough for 250k groups)"
        )
        parser.add_argument("--keep-db", action="store_true")

    def handle(self, *args, scale: int, keep_db: bool, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("the benchmarks run on PostgreSQL: set DATABASE_URL (see README)")
        databases = setup_databases(verbosity=0, interactive=False, keepdb=keep_db)
        try:
            figures = {"sync": self._sync(scale)}
        finally:
            reset_sandboxes()
            if not keep_db:
                teardown_databases(databases, verbosity=0)
        self.stdout.write(json.dumps(figures, indent=2))

    def _sync(self, scale: int) -> dict:
        settings.SANDBOX_SCALE = scale or _scale_for(SYNC_MIN_GROUPS)
        accounts = [
            provider_account_create(
                kind=kind,
                name=f"bench-{kind}",
                sandbox=True,
                rate_limit="",
                countries=["US", "GB", "DE", "FR", "NL", "AU"]
                if kind in ("didfarm", "pbxme")
                else [],
            )
            for kind in SANDBOXES
        ]
        started = time.perf_counter()
        results = [catalog_sync(account=account) for account in accounts]
        seconds = time.perf_counter() - started
        groups = sum(r.seen for r in results)
        started = time.perf_counter()
        second = [catalog_sync(account=account) for account in accounts]
        second_seconds = time.perf_counter() - started
        return {
            "groups": groups,
            "seconds": round(seconds, 2),
            "groups_per_s": round(groups / seconds),
            "per_provider": {a.kind: r.seen for a, r in zip(accounts, results, strict=True)},
            "second_sync_writes": sum(r.writes for r in second),
            "second_sync_seconds": round(second_seconds, 2),
            "scale": settings.SANDBOX_SCALE,
        }


def _scale_for(min_groups: int) -> int:
    """The smallest sandbox scale whose four simulators list at least ``min_groups`` groups."""
    from inventory.sandbox.registry import make_sandbox

    per_scale = sum(getattr(make_sandbox(kind), "group_count", lambda: 0)() for kind in SANDBOXES)
    if not per_scale:
        return 20
    return max(1, -(-min_groups // per_scale))
