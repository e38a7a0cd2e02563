"""Place orders through the running demo for a while and check that every one of them ends.

    make demo                                         # in one terminal
    .venv/bin/python manage.py demo_soak --minutes 30 --every 3   # in another, same environment

Prints one line of JSON: {"orders", "completed", "failed", "stuck", "dead_letters",
"lost_tasks", ...} and exits non-zero when an order is stuck (still being provisioned after the
settle time, back-orders aside), an item waits in the dead-letter state for a person, a
provisioning task was never delivered (``lost_tasks``: still waiting in the embedded broker once
everything settled), an order the web server confirmed is not in the database, or the demo
answered with an error (5xx, no answer). Refusals (4xx, e.g. out of stock) are counted, not
failures.
"""

from __future__ import annotations

import json
import os

import httpx
from django.core.management.base import BaseCommand, CommandError

from portal.soak import SoakCannotStart, SoakPlan, soak_run


class Command(BaseCommand):
    help = "Place orders through the running demo every few seconds; report what did not end."

    def add_arguments(self, parser) -> None:
        port = os.environ.get("PORT", "8000")
        parser.add_argument("--url", default=f"http://127.0.0.1:{port}", help="the demo's URL")
        parser.add_argument("--minutes", type=float, default=30.0)
        parser.add_argument("--seconds", type=float, help="instead of --minutes")
        parser.add_argument("--every", type=float, default=3.0, help="seconds between orders")
        parser.add_argument("--threads", type=int, default=2, help="shoppers ordering at once")
        # Longer than the provisioning lease (120 s): what a killed worker had claimed waits
        # for it to run out before the sweeper takes it up again.
        parser.add_argument("--settle", type=float, default=180.0, help="seconds to wait at end")

    def handle(self, *args, **options) -> None:
        plan = SoakPlan(
            base_url=options["url"],
            seconds=options["seconds"] or options["minutes"] * 60,
            every=options["every"],
            threads=options["threads"],
            settle=options["settle"],
        )
        try:
            summary = soak_run(plan, say=lambda line: self.stderr.write(line))
        except (SoakCannotStart, httpx.HTTPError) as error:
            raise CommandError(f"soak: cannot start: {error}") from None
        self.stdout.write(json.dumps(summary))
        bad = ("stuck", "dead_letters", "lost_tasks", "errors", "missing_orders")
        if any(summary[key] for key in bad) or not summary["orders"]:
            raise CommandError("soak: orders were lost, stuck or refused by an error (see above)")
