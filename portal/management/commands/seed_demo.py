"""Create the demo's people, tenants and sandbox providers. Safe to run again."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from billing.demo import demo_prices_ensure, demo_wallets_ensure
from billing.demo_history import demo_history_ensure
from billing.demo_numbers import demo_numbers_ensure
from customers.demo import DEMO_PASSWORD, demo_people_ensure
from inventory.demo import demo_accounts_ensure, demo_catalog_sync, demo_number_groups_link
from inventory.sync import CatalogSyncFailed


class Command(BaseCommand):
    help = "Create (or keep) the demo logins and sandbox provider accounts, sync the catalog."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-sync", action="store_true", help="skip the catalog sync")

    def handle(self, *args, no_sync: bool = False, **options) -> None:
        if not settings.DEMO_MODE:
            # It creates an admin with a published password and providers with published keys.
            raise CommandError(
                "seed_demo only runs in the demo (DIDHUB_DEMO=true): it creates logins with a "
                "public password."
            )
        with transaction.atomic():
            people = demo_people_ensure()
            demo_prices_ensure(people.reseller)
            demo_wallets_ensure(
                admin=people.admin, owner=people.owner, reseller=people.reseller,
                client=people.client,
            )  # fmt: skip
            accounts = demo_accounts_ensure()
            didww = next(a for a in accounts if a.kind == "didww")
            numbers = demo_numbers_ensure(admin=people.admin, owner=people.owner, account=didww)
            closed = demo_history_ensure(
                admin=people.admin, owner=people.owner, numbers=[s.number for s in numbers]
            )
            for seeded in numbers:  # renewed since: their next charge moved on
                seeded.number.refresh_from_db()
        if not no_sync:
            try:
                for name, counts in demo_catalog_sync(accounts).items():
                    summary = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
                    self.stdout.write(f"  synced {name}: {summary}")
            except CatalogSyncFailed as error:
                raise CommandError(f"the sandbox catalog could not be synced: {error}") from None
            demo_number_groups_link()

        self._numbers_say(numbers)
        self._invoices_say(closed)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for user, where in (
            (people.admin, "platform admin → /admin/"),
            (people.owner, f"reseller owner of {people.reseller.display_name} → /reseller/"),
            (people.client_admin, f"client admin of {people.client.name} → /client/"),
        ):
            self.stdout.write(f"  {user.email:<24} {DEMO_PASSWORD}   ({where})")

    def _invoices_say(self, closed) -> None:
        """Last month's invoices (issued now, or by an earlier run of the seed)."""
        from billing.invoices.models import Invoice
        from billing.money import format_minor

        latest = Invoice.objects.filter(kind="invoice").order_by("-period_start").first()
        if latest is None:
            return
        invoices = Invoice.objects.filter(kind="invoice", period_start=latest.period_start)
        self.stdout.write(
            f"Invoices for {latest.period_start:%B %Y} ({closed.issued} issued now; "
            "client@example.com → Invoices, reseller@example.com → Invoices):"
        )
        for invoice in invoices.order_by("issuer_key", "number"):
            to = invoice.recipient_snapshot.get("name", "")
            total = format_minor(invoice.gross_minor, invoice.currency)
            self.stdout.write(f"  {invoice.number:<18} to {to:<24} {total}")

    def _numbers_say(self, numbers) -> None:
        """The seeded numbers and the commands that move the renewal clock over them."""
        self.stdout.write("Demo numbers (bought the month before last, renewing monthly):")
        for seeded in numbers:
            number = seeded.number
            due = number.renewal_due_at
            when = f"next charge {due:%Y-%m-%dT%H:%M} UTC" if due else number.get_status_display()
            self.stdout.write(f"  {number.e164}  {number.client.name:<20} {when}")
        dues = sorted(s.number.renewal_due_at for s in numbers if s.number.renewal_due_at)
        if dues:
            self.stdout.write(
                "  Move the clock: .venv/bin/python manage.py renewals run "
                f"--now {dues[0]:%Y-%m-%dT%H:%M}   (then later dates: grace, suspension, release)"
            )
