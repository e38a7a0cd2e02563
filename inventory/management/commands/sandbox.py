"""Serve the provider simulators over real HTTP: ``python manage.py sandbox serve``."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, reverse

from inventory.providers.registry import PROVIDERS
from inventory.sandbox.delivery import CallbackDeliverer, httpx_post
from inventory.sandbox.faults import FaultConfig
from inventory.sandbox.registry import SANDBOX_CREDENTIALS, SANDBOXES, make_sandbox
from inventory.sandbox.server import make_server


class Command(BaseCommand):
    help = "Run didhub's provider simulators (one per registered provider) as an HTTP server."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        serve = sub.add_parser("serve", help="serve until Ctrl-C")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8100)
        serve.add_argument(
            "--seed", type=int, default=1, help="inventory seed (same seed, same catalog)"
        )
        serve.add_argument("--scale", type=int, default=1, help="inventory size multiplier")
        serve.add_argument(
            "--faults",
            default="",
            help='JSON fault config, e.g. \'{"error_rate": 0.1, "burst_429": 20}\'',
        )
        serve.add_argument("--only", default="", help="comma-separated kinds to serve")
        serve.add_argument(
            "--balance",
            type=Decimal,
            default=None,
            help="each simulated account's opening balance (default: the simulator's, 500.00)",
        )
        serve.add_argument(
            "--webhook-url",
            action="append",
            default=[],
            metavar="KIND=URL",
            help="where to POST a simulator's webhooks (DIDfarm's are configured per account; "
            "default: the portal's endpoint for the demo account <kind>-sandbox)",
        )
        serve.add_argument(
            "--no-callbacks", action="store_true", help="keep callbacks and webhooks undelivered"
        )
        serve.add_argument(
            "--hold-demo-numbers",
            action="store_true",
            help="start each simulator holding the numbers the demo's database has at its "
            "<kind>-sandbox account",
        )

        release = sub.add_parser(
            "release",
            help="release a number in a served simulator, as the provider's own portal does "
            "(where a release is an admin's task there, e.g. DIDfarm's)",
        )
        release.add_argument("kind", choices=sorted(SANDBOXES))
        release.add_argument("number", help="E.164, e.g. +16172625428")
        release.add_argument("--host", default="127.0.0.1")
        release.add_argument("--port", type=int, default=8100)

    def handle(self, *args, action: str, **options) -> None:
        if action == "release":
            self._release(**options)
        else:
            self._serve(**options)

    def _release(self, *, kind: str, number: str, host: str, port: int, **options) -> None:
        from inventory.providers.errors import ProviderError
        from inventory.providers.http import AccountConfig
        from inventory.providers.registry import adapter_class

        description = PROVIDERS[kind]
        base_path = getattr(description.simulator_class, "base_path", "") or ""
        config = AccountConfig(
            name=f"{kind}-portal", kind=kind, base_url=f"http://{host}:{port}/{kind}{base_path}",
            currency=description.currency, credentials=SANDBOX_CREDENTIALS[kind],
            countries=tuple(description.sandbox_countries),
        )  # fmt: skip
        adapter = adapter_class(kind)(config)
        try:
            adapter.release(number)
        except ProviderError as error:
            raise CommandError(f"{kind} did not release {number}: {error}") from None
        finally:
            adapter.close()
        self.stdout.write(f"{kind} released {number}")

    def _serve(self, *, host: str, port: int, seed: int, scale: int,
               faults: str, only: str, webhook_url: list[str], no_callbacks: bool,
               balance: Decimal | None, hold_demo_numbers: bool = False,
               **options) -> None:  # fmt: skip
        kinds = [k.strip() for k in only.split(",") if k.strip()] or list(SANDBOXES)
        unknown = [k for k in kinds if k not in SANDBOXES]
        if unknown:
            raise CommandError(f"unknown provider kind(s): {', '.join(unknown)}")
        try:
            fault_config = FaultConfig.from_dict(json.loads(faults)) if faults else None
        except (ValueError, TypeError) as error:
            raise CommandError(f"--faults: {error}") from None
        urls = {} if no_callbacks else _webhook_urls(kinds, webhook_url)
        opening = {} if balance is None else {"balance": balance}
        sandboxes = {kind: make_sandbox(kind, seed=seed, scale=scale, **opening) for kind in kinds}
        planted = None
        if hold_demo_numbers:
            from inventory.demo import demo_numbers_plant

            planted = demo_numbers_plant(sandboxes)
        try:
            server = make_server(
                sandboxes, host=host, port=port, faults=fault_config, timeout_hang=5.0
            )
        except OSError as error:
            raise CommandError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        self.stdout.write(
            self.style.SUCCESS(f"Provider sandbox on {server.root_url} (Ctrl-C stops)")
        )
        if planted is not None:
            held = ", ".join(f"{kind} {n}" for kind, n in planted.items())
            self.stdout.write(f"  holding the demo database's numbers: {held}")
        for kind in kinds:
            creds = " ".join(f"--credential {k}={v}" for k, v in SANDBOX_CREDENTIALS[kind].items())
            described = PROVIDERS[kind].sandbox_countries
            countries = f" --countries {','.join(described)}" if described else ""
            self.stdout.write(
                f"  python manage.py providers add {kind} --name {kind}-local "
                f"--base-url {server.base_url(kind)}{countries} {creds}"
            )
        # Callbacks and webhooks go out from a thread, as the providers would send them.
        http = httpx.Client(timeout=5.0)
        deliverer = CallbackDeliverer(sandboxes, httpx_post(http), webhook_urls=urls)
        if not no_callbacks:
            deliverer.start()
            for kind, url in urls.items():
                self.stdout.write(f"  {kind} webhooks go to {url}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            deliverer.stop()
            http.close()
            server.server_close()


def _webhook_urls(kinds: list[str], given: list[str]) -> dict[str, str]:
    """Orders may carry their callback URL (DIDWW); others need one per account (DIDfarm)."""
    urls: dict[str, str] = {}
    for kind in kinds:
        if not PROVIDERS[kind].webhook_url_per_account:
            continue
        try:
            # The demo's account for this simulator is "<kind>-sandbox" (inventory/demo.py).
            path = reverse("billing:provider_webhook", args=[f"{kind}-sandbox"])
        except NoReverseMatch:
            continue
        urls[kind] = settings.SITE_URL + path
    for item in given:
        kind, sep, url = item.partition("=")
        if not sep or not url.strip() or kind.strip() not in kinds:
            raise CommandError(f"--webhook-url: expected KIND=URL for a served kind, got {item!r}")
        urls[kind.strip()] = url.strip()
    return urls
