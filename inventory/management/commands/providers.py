"""Operate provider accounts from the command line.

    providers add KIND --name NAME [--base-url URL] [--currency CUR] [--countries CC,CC]
                  [--webhook-secret S] [--rate-limit R] [--sandbox] --credential KEY=VALUE [...]
    providers list [--json]
    providers check NAME [--json]
    providers sync NAME [--json]

Every failure exits non-zero with one line saying why (no traceback).
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import acting_from_cli
from inventory.accounts import provider_account_check, provider_account_create
from inventory.models import ProviderAccount
from inventory.providers.registry import PROVIDERS
from inventory.sync import CatalogSyncFailed, catalog_sync


def _one_line(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Add, list, check and sync upstream provider accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        add = sub.add_parser("add", help="store an account (does not call the provider)")
        add.add_argument("kind", choices=list(PROVIDERS))
        add.add_argument("--name", required=True)
        add.add_argument("--base-url", default="")
        add.add_argument("--currency", default="")
        add.add_argument("--countries", default="", help="comma-separated ISO codes")
        add.add_argument("--webhook-secret", default="")
        add.add_argument("--rate-limit", default=None, help='e.g. "20/second"; "" for none')
        add.add_argument("--sandbox", action="store_true", help="use the built-in simulator")
        add.add_argument("--credential", action="append", default=[], metavar="KEY=VALUE")
        for name in ("list", "check", "sync"):
            p = sub.add_parser(name)
            if name != "list":
                p.add_argument("name")
            p.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, action: str, **options) -> None:
        # Retries are logged by stamina as they happen; here the one-line outcome is what counts.
        logging.getLogger("stamina").setLevel(logging.ERROR)
        with acting_from_cli(f"providers {action}"):
            getattr(self, f"_{action}")(**options)

    def _account(self, name: str) -> ProviderAccount:
        try:
            return ProviderAccount.objects.get(name=name)
        except ProviderAccount.DoesNotExist:
            raise CommandError(f"no provider account named {name!r}") from None

    def _emit(self, data: dict, as_json: bool, text: str) -> None:
        self.stdout.write(json.dumps(data) if as_json else text)

    def _add(self, *, kind, name, base_url, currency, countries, webhook_secret, rate_limit,
             sandbox, credential, **_) -> None:  # fmt: skip
        credentials = {}
        for item in credential:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"--credential takes KEY=VALUE, got {item!r}")
            credentials[key.strip()] = value
        try:
            account = provider_account_create(
                kind=kind, name=name, credentials=credentials, base_url=base_url,
                currency=currency, countries=countries.split(",") if countries else [],
                webhook_secret=webhook_secret, rate_limit=rate_limit, sandbox=sandbox,
            )  # fmt: skip
        except ValidationError as error:
            raise CommandError(_one_line(error)) from None
        self.stdout.write(
            f"added {account.name} ({account.get_kind_display()}, {account.base_url})"
        )

    def _list(self, *, as_json: bool, **_) -> None:
        rows = [
            {
                "name": a.name,
                "kind": a.kind,
                "base_url": a.base_url,
                "currency": a.currency,
                "sandbox": a.sandbox,
                "enabled": a.enabled,
                "balance": None if a.balance is None else f"{a.balance:.2f}",
                "last_sync_at": a.last_sync_at.isoformat() if a.last_sync_at else None,
                "last_sync_status": a.last_sync_status,
                "groups": a.last_sync_counts.get("groups"),
            }
            for a in ProviderAccount.objects.order_by("name")
        ]
        if as_json:
            self.stdout.write(json.dumps(rows))
            return
        if not rows:
            self.stdout.write("no provider accounts yet: add one with `providers add`")
        for r in rows:
            self.stdout.write(
                f"{r['name']:<20} {r['kind']:<11} {r['currency']} "
                f"{'sandbox ' if r['sandbox'] else ''}sync={r['last_sync_status']} "
                f"groups={r['groups'] or 0} {r['base_url']}"
            )

    def _check(self, *, name: str, as_json: bool, **_) -> None:
        account = self._account(name)
        status = provider_account_check(account=account)
        if not status.ok:
            raise CommandError(status.detail or "the provider refused the check")
        balance = None if status.balance is None else f"{status.balance:.2f}"
        self._emit(
            {"ok": True, "balance": balance, "currency": status.currency},
            as_json,
            f"{account.name}: OK, balance {balance} {status.currency}",
        )

    def _sync(self, *, name: str, as_json: bool, **_) -> None:
        account = self._account(name)
        try:
            result = catalog_sync(account=account)
        except CatalogSyncFailed as error:
            raise CommandError(f"sync of {name} failed, catalog unchanged: {error}") from None
        self._emit(
            result.counts,
            as_json,
            f"{account.name}: {result.seen} groups seen ({result.created} new, "
            f"{result.updated} changed, {result.retired} retired) in {result.seconds:.1f}s; "
            + ", ".join(f"{k}={v}" for k, v in result.counts.items()),
        )
