"""The renewal job from the command line, the same service beat runs:

``renewals run [--now 2027-01-15T00:00]`` charges what is due at that moment (UTC unless the
value names an offset) and moves unpaid numbers through grace, suspension and release; ``--now``
is how the demo moves the clock. ``renewals warn [--now …]`` sends the 7-day warnings.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from billing.renewals.charging import renewals_run
from billing.renewals.notices import renewals_warn_upcoming


def _moment(value: str | None) -> dt.datetime:
    if not value:
        return timezone.now()
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"--now: {value!r} is not a date such as 2027-01-15T00:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Run the renewal job now, or at another moment (--now) to move the demo's clock."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        for name in ("run", "warn"):
            action = sub.add_parser(name)
            action.add_argument("--now", help="the moment to run at, e.g. 2027-01-15T00:00 (UTC)")

    def handle(self, *args, action: str, now: str | None = None, **options) -> None:
        moment = _moment(now)
        if action == "warn":
            self.stdout.write(f"warned about {renewals_warn_upcoming(now=moment)} numbers")
            return
        result = renewals_run(now=moment)
        self.stdout.write(
            f"at {moment.isoformat()}: {result.numbers} numbers, {result.charged} periods "
            f"charged, {result.entered_grace} into grace, {result.suspended} suspended, "
            f"{result.released} released, {result.restored} restored"
        )
