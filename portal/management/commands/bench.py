"""``make bench``: measure the performance budgets of DESIGN.md §8, print one JSON object.

Runs on PostgreSQL in a throwaway database (created and dropped here), never on your data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings, setup_databases, teardown_databases

from bench.browse import bench_browse
from bench.checkout import bench_checkout_and_provision
from bench.invoices import bench_invoices
from bench.renewals import NUMBERS, bench_renewals
from bench.reports import bench_reports
from inventory.accounts import provider_account_create
from inventory.models import ProviderAccount
from inventory.providers.registry import PROVIDERS
from inventory.sandbox.registry import SANDBOXES, reset_sandboxes
from inventory.sync import catalog_sync
from portal.processes import database_url

SYNC_MIN_GROUPS = 250_000
DEFAULT_SCALE = 20  # four simulators at this scale list a little over 250k groups
NUMBER_LEVEL_COUNTRIES = ["US", "GB", "DE", "FR", "NL", "AU"]


BENCH_STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


class Command(BaseCommand):
    help = "Run the benchmarks and print one JSON object of named figures."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale", type=int, default=0, help="sandbox scale (0: enough for 250k groups)"
        )
        parser.add_argument("--keep-db", action="store_true")
        parser.add_argument(
            "--only",
            choices=["sync", "renewals", "reports", "invoices"],
            default="",
            help="run one benchmark alone",
        )
        parser.add_argument(
            "--renewal-numbers", type=int, default=NUMBERS, help="numbers due in the renewals run"
        )

    def handle(
        self, *args, scale: int, keep_db: bool, only: str, renewal_numbers: int, **options
    ) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("the benchmarks run on PostgreSQL: set DATABASE_URL (see README)")
        # A database of its own, never the test suite's (which may be running at the same time).
        connection.settings_dict.setdefault("TEST", {})["NAME"] = (
            connection.settings_dict["NAME"] + "_bench"
        )
        # Always a fresh database; --keep-db only keeps it afterwards, for looking at plans.
        databases = setup_databases(verbosity=0, interactive=False, keepdb=False)
        try:
            if only == "sync":
                figures = {"sync": self._sync(scale)}
            elif only == "renewals":
                figures = {"renewals": bench_renewals(numbers=renewal_numbers)}
            elif only == "reports":
                with override_settings(STORAGES=BENCH_STORAGES):
                    figures = {"reports": bench_reports()}
            elif only == "invoices":
                figures = {"invoices": bench_invoices()}
            else:
                figures = self._all(scale, renewal_numbers)
        finally:
            reset_sandboxes()
            if not keep_db:
                teardown_databases(databases, verbosity=0)
        self.stdout.write(json.dumps(figures, indent=2))

    def _all(self, scale: int, renewal_numbers: int) -> dict:
        figures = {"sync": self._sync(scale)}
        _drop_accounts("bench-seq-")  # browse the 250k groups of the other four accounts
        # Pages name static files (flags): read them from the source folders, as the tests
        # do, instead of a collectstatic manifest the bench never builds.
        with override_settings(STORAGES=BENCH_STORAGES):
            figures["browse"] = bench_browse()
            figures.update(bench_checkout_and_provision())
        figures["renewals"] = bench_renewals(numbers=renewal_numbers)
        with override_settings(STORAGES=BENCH_STORAGES):
            figures["reports"] = bench_reports()
        figures["invoices"] = bench_invoices()
        return figures

    def _sync(self, scale: int) -> dict:
        """First sync of four sandbox accounts, as the nightly job runs them (one process each,
        at the same time), then the same catalog synced again (must write nothing), then one
        account after another in this process, for the single-stream rate."""
        settings.SANDBOX_SCALE = scale or DEFAULT_SCALE
        parallel = [_bench_account(kind, "bench") for kind in SANDBOXES]
        started = time.perf_counter()
        counts = _sync_in_processes([a.name for a in parallel], settings.SANDBOX_SCALE)
        seconds = time.perf_counter() - started
        groups = sum(c["groups"] for c in counts.values())

        started = time.perf_counter()
        second = [catalog_sync(account=account) for account in parallel]
        second_seconds = time.perf_counter() - started

        sequential = [_bench_account(kind, "bench-seq") for kind in SANDBOXES]
        started = time.perf_counter()
        results = [catalog_sync(account=account) for account in sequential]
        sequential_seconds = time.perf_counter() - started
        if groups < SYNC_MIN_GROUPS:
            raise CommandError(f"only {groups} groups at scale {settings.SANDBOX_SCALE}")
        return {
            "groups": groups,
            "seconds": round(seconds, 2),
            "groups_per_s": round(groups / seconds),
            "second_sync_writes": sum(r.writes for r in second),
            "second_sync_groups_per_s": round(sum(r.seen for r in second) / second_seconds),
            "sequential_groups_per_s": round(sum(r.seen for r in results) / sequential_seconds),
            "per_provider": {kind: counts[f"bench-{kind}"]["groups"] for kind in SANDBOXES},
            "scale": settings.SANDBOX_SCALE,
        }


def _drop_accounts(prefix: str) -> None:
    """Delete accounts with their groups and SKUs in three statements (not row by row)."""
    ids = list(ProviderAccount.objects.filter(name__startswith=prefix).values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM inventory_sku s USING inventory_didgroup g "
            "WHERE s.group_id = g.id AND g.account_id = ANY(%s)",
            [ids],
        )
        cursor.execute("DELETE FROM inventory_didgroup WHERE account_id = ANY(%s)", [ids])
        cursor.execute("DELETE FROM inventory_provideraccount WHERE id = ANY(%s)", [ids])
        cursor.execute("ANALYZE inventory_didgroup; ANALYZE inventory_sku")


def _bench_account(kind: str, prefix: str):
    return provider_account_create(
        kind=kind,
        name=f"{prefix}-{kind}",
        sandbox=True,
        rate_limit="",
        countries=NUMBER_LEVEL_COUNTRIES if PROVIDERS[kind].needs_countries else [],
    )


def _sync_in_processes(names: list[str], scale: int) -> dict[str, dict]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SANDBOX_SCALE": str(scale),
        "LOG_LEVEL": "WARNING",
    }
    processes = {
        name: subprocess.Popen(  # noqa: S603 (our own interpreter and command)
            [sys.executable, "manage.py", "providers", "sync", name, "--json"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in names
    }
    results = {}
    for name, process in processes.items():
        out, _ = process.communicate()
        if process.returncode != 0:
            raise CommandError(f"the sync of {name} failed")
        results[name] = json.loads(out)
    return results
