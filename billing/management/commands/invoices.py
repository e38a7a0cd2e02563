"""The month close from the command line, the same service beat runs:

``invoices close --month 2026-11 [--issuer SLUG]`` invoices November 2026 for every issuer (or
one reseller's clients; ``--issuer platform`` for the platform's invoices to its resellers).
Idempotent: a recipient invoiced already for the month is skipped.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.invoices.close import invoices_close, month_parse


class Command(BaseCommand):
    help = "Close a month: one invoice per recipient with charges in it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        close = sub.add_parser("close")
        close.add_argument("--month", required=True, help="the month, e.g. 2026-11")
        close.add_argument("--issuer", help="a reseller's slug, or 'platform'")
        close.add_argument("--no-email", action="store_true", help="do not mail the invoices")

    def handle(self, *args, action: str, month: str, issuer: str | None = None, **options):
        try:
            first = month_parse(month)
            result = invoices_close(month=first, issuer_slug=issuer, email=not options["no_email"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{first:%Y-%m}: {result.issued} invoices issued, "
            f"{result.already} recipients invoiced before"
        )
