"""``reconcile [ACCOUNT] [--json]``: the daily reconciliation now, for one enabled provider
account or all of them (the same service the beat task runs).

``--json`` prints ``{"<account>": {"status", "upstream", "local", "findings": {kind: n}, …}}``;
``findings`` counts what the run saw (open after it). An aborted run (incomplete listing) has
``"status": "aborted"`` and a ``detail``.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.reconcile.services import reconcile_account
from inventory.models import ProviderAccount


class Command(BaseCommand):
    help = "Compare every enabled provider account's numbers upstream with ours; record findings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account", nargs="?", help="one provider account's name")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, account: str | None = None, **options) -> None:
        accounts = ProviderAccount.objects.filter(enabled=True).order_by("name")
        if account:
            accounts = accounts.filter(name=account)
            if not accounts.exists():
                raise CommandError(f"no enabled provider account named {account!r}")
        results = [reconcile_account(account=a) for a in accounts]
        if options["json"]:
            report = {r.account: r.as_json() for r in results}
            self.stdout.write(json.dumps(report, indent=2, sort_keys=True))
            return
        for r in results:
            if r.status == "aborted":
                self.stdout.write(f"{r.account}: aborted — {r.detail}")
                continue
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(r.findings.items())) or "none"
            self.stdout.write(
                f"{r.account}: {r.upstream} upstream, {r.local} here; findings: {kinds} "
                f"({r.opened} new, {r.closed} closed)"
            )
