"""Serve the four provider simulators over real HTTP: ``python manage.py sandbox serve``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.sandbox.faults import FaultConfig
from inventory.sandbox.registry import SANDBOX_CREDENTIALS, SANDBOXES, make_sandbox
from inventory.sandbox.server import make_server


class Command(BaseCommand):
    help = "Run didhub's simulators of DIDWW, IDT Express, DIDfarm and PBXme as an HTTP server."

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

    def handle(self, *args, action: str, host: str, port: int, seed: int, scale: int,
               faults: str, only: str, **options) -> None:  # fmt: skip
        kinds = [k.strip() for k in only.split(",") if k.strip()] or list(SANDBOXES)
        unknown = [k for k in kinds if k not in SANDBOXES]
        if unknown:
            raise CommandError(f"unknown provider kind(s): {', '.join(unknown)}")
        try:
            fault_config = FaultConfig.from_dict(json.loads(faults)) if faults else None
        except (ValueError, TypeError) as error:
            raise CommandError(f"--faults: {error}") from None
        sandboxes = {kind: make_sandbox(kind, seed=seed, scale=scale) for kind in kinds}
        try:
            server = make_server(
                sandboxes, host=host, port=port, faults=fault_config, timeout_hang=5.0
            )
        except OSError as error:
            raise CommandError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        self.stdout.write(
            self.style.SUCCESS(f"Provider sandbox on {server.root_url} (Ctrl-C stops)")
        )
        for kind in kinds:
            creds = " ".join(f"--credential {k}={v}" for k, v in SANDBOX_CREDENTIALS[kind].items())
            countries = " --countries US,GB,DE" if kind in ("didfarm", "pbxme") else ""
            self.stdout.write(
                f"  python manage.py providers add {kind} --name {kind}-local "
                f"--base-url {server.base_url(kind)}{countries} {creds}"
            )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
