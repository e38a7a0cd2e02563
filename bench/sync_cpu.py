"""CPU cost of a coverage sync per group, per provider (a tool for tuning the sync, not a test).

Wall-clock figures on a shared machine are noise; this measures CPU: the sync process's own
(user + sys, every thread) and its PostgreSQL backends' (the sync's connection and the reference
writer's, read from /proc/<pid>/stat), for a first sync into an empty catalog and a second,
unchanged one. Then it hashes the synced catalog (groups, SKUs and the reference rows), so a
change to the sync can be checked to leave the catalog exactly as it was.

    DIDHUB_DEMO=true DATABASE_URL=postgres://…/didhub_x python -m bench.sync_cpu \\
        --empty-the-database [--scale 20] [--kinds didww,idtexpress,…] [--profile DIR]

The database named must be migrated and is emptied of providers, groups and reference rows first
(and, by cascade, of everything referring to them): never point it at data you keep.
Each account syncs in a process of its own (as ``make bench`` runs them), one after another.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _proc_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _one_sync(kind: str, scale: int, profile: str) -> dict:
    """In the child: sync the account twice, print the figures."""
    from django.conf import settings

    settings.SANDBOX_SCALE = scale
    started_cpu = _self_cpu()  # Django's start-up, before the sync
    from django.db import connection

    from inventory import sync_places
    from inventory.models import ProviderAccount
    from inventory.sync import catalog_sync

    side: dict[str, float] = {}
    original_close = sync_places._ReferenceWriter.close

    def close(writer) -> None:
        if writer.side is not None and writer.side.connection is not None:
            with writer.side.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                side["cpu"] = side.get("cpu", 0.0) + _proc_cpu(cursor.fetchone()[0])
        original_close(writer)

    sync_places._ReferenceWriter.close = close
    gc_time = [0.0, 0.0, 0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_time[1] = time.process_time()
        else:
            gc_time[0] += time.process_time() - gc_time[1]
            gc_time[2] += info["generation"] == 2

    import gc

    gc.callbacks.append(on_gc)
    account = ProviderAccount.objects.get(name=f"cpu-{kind}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    figures: dict = {"kind": kind, "startup_cpu": round(started_cpu, 3)}
    for run in ("first", "second"):
        side.clear()
        gc_time[:] = [0.0, 0.0, 0]
        db_before, cpu_before, wall = _proc_cpu(backend), _self_cpu(), time.perf_counter()
        if profile and run == "first":
            import cProfile

            profiler = cProfile.Profile()
            result = profiler.runcall(catalog_sync, account=account)
            profiler.dump_stats(os.path.join(profile, f"{kind}.prof"))
        else:
            result = catalog_sync(account=account)
        figures[run] = {
            "groups": result.seen,
            "writes": result.writes,
            "py_cpu": round(_self_cpu() - cpu_before, 3),
            "db_cpu": round(_proc_cpu(backend) - db_before + side.get("cpu", 0.0), 3),
            "wall": round(time.perf_counter() - wall, 3),
            "gc_cpu": round(gc_time[0], 3),
            "full_gcs": gc_time[2],
        }
    return figures


def _reset(kinds: list[str]) -> None:
    from django.db import connection

    from inventory.accounts import provider_account_create
    from inventory.providers.registry import PROVIDERS
    from portal.management.commands.bench import NUMBER_LEVEL_COUNTRIES

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE inventory_sku, inventory_didgroup, inventory_nanpaprefix, inventory_city, "
            "inventory_region, inventory_country, inventory_provideraccount CASCADE"
        )
    for kind in kinds:
        provider_account_create(
            kind=kind,
            name=f"cpu-{kind}",
            sandbox=True,
            rate_limit="",
            countries=NUMBER_LEVEL_COUNTRIES if PROVIDERS[kind].needs_countries else [],
        )


_DUMPS = {
    "country": "SELECT code, name FROM inventory_country",
    "region": "SELECT code, country_id, name FROM inventory_region",
    "city": "SELECT country_id, name, coalesce(region_id, '') FROM inventory_city",
    "nanpaprefix": "SELECT npa, nxx, country_id, coalesce(region_id, ''), city "
    "FROM inventory_nanpaprefix",
    "group": "SELECT a.name, g.external_id, g.country_id, coalesce(g.region_id, ''), "
    "coalesce(c.name, ''), g.npa, g.nxx, g.area_prefix, g.area_name, g.number_type, g.area_key, "
    "g.voice, g.sms, g.fax, g.emergency, g.needs_registration, g.available_count, "
    "g.available_numbers::text, g.monthly_price, g.setup_price, g.currency, g.content_hash, "
    "g.retired_at IS NULL FROM inventory_didgroup g JOIN inventory_provideraccount a "
    "ON a.id = g.account_id LEFT JOIN inventory_city c ON c.id = g.city_id",
    "sku": "SELECT a.name, g.external_id, s.external_id, s.setup_price, s.monthly_price, "
    "s.currency, s.channels, s.retired_at IS NULL FROM inventory_sku s "
    "JOIN inventory_didgroup g ON g.id = s.group_id "
    "JOIN inventory_provideraccount a ON a.id = g.account_id",
}


def _dump() -> dict:
    """Each catalog table's row count and a hash of its sorted rows (ids left out)."""
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for name, sql in _DUMPS.items():
            cursor.execute(sql)
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
            out[name] = f"{len(rows)} {digest}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--kinds", default="didww,didfarm,idtexpress,pbxme")
    parser.add_argument("--profile", default="")
    parser.add_argument("--child", default="")
    parser.add_argument(
        "--empty-the-database",
        action="store_true",
        help="required: the catalog, its accounts and what refers to them are truncated first",
    )
    args = parser.parse_args()
    if not args.child and not args.empty_the_database:
        parser.error("this empties the database DATABASE_URL names: add --empty-the-database")
    _setup()
    if args.child:
        print(json.dumps(_one_sync(args.child, args.scale, args.profile)))
        return
    kinds = args.kinds.split(",")
    _reset(kinds)
    results = []
    for kind in kinds:
        command = [sys.executable, "-m", "bench.sync_cpu", "--child", kind]
        command += ["--scale", str(args.scale), "--profile", args.profile]
        env = {**os.environ, "SANDBOX_SCALE": str(args.scale), "LOG_LEVEL": "WARNING"}
        out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout  # noqa: S603
        figures = json.loads(out.strip().splitlines()[-1])
        for run in ("first", "second"):
            f = figures[run]
            if f["groups"]:
                f["us_per_group"] = round(1e6 * (f["py_cpu"] + f["db_cpu"]) / f["groups"], 1)
        results.append(figures)
        print(json.dumps(figures), flush=True)
    print(json.dumps({"catalog": _dump()}, indent=1))


if __name__ == "__main__":
    main()
