"""Exchange rates from the command line: ``fx set USD EUR 0.92`` and ``fx list``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import acting_from_cli
from billing.models import ExchangeRate
from billing.services import exchange_rate_set


class Command(BaseCommand):
    help = "Set or list the exchange rates used to price provider costs."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        set_ = sub.add_parser("set", help="fx set BASE QUOTE RATE  (1 BASE = RATE QUOTE)")
        set_.add_argument("base")
        set_.add_argument("quote")
        set_.add_argument("rate")
        sub.add_parser("list")

    def handle(self, *args, action: str, **options) -> None:
        if action == "list":
            for fx in ExchangeRate.objects.all():
                self.stdout.write(f"{fx}  (updated {fx.updated_at:%Y-%m-%d %H:%M} UTC)")
            return
        try:
            with acting_from_cli("fx set"):
                fx = exchange_rate_set(
                    base=options["base"], quote=options["quote"], rate=options["rate"]
                )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        self.stdout.write(str(fx))
