"""Make the served DIDfarm simulator receive a text: ``python manage.py sandbox_inbound_sms``.

It asks the running sandbox (``sandbox serve``, which ``make demo`` starts) to deliver a signed
``message.received`` webhook for a text from ``--from`` to ``--to`` (one of the simulated
account's numbers with SMS), through the simulator's own ``POST /sandbox/messages/inbound``.
"""

from __future__ import annotations

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.demo import sandbox_base_url
from inventory.sandbox.registry import SANDBOX_CREDENTIALS


class Command(BaseCommand):
    help = "Have the DIDfarm simulator receive a text message on one of its numbers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, help="the number it arrives on (E.164)")
        parser.add_argument("--from", dest="sender", required=True, help="the sender (E.164)")
        parser.add_argument("--body", default="Hello from the sandbox")
        parser.add_argument("--base-url", default="", help="default: the demo's sandbox")

    def handle(self, *args, to: str, sender: str, body: str, base_url: str, **options) -> None:
        url = (base_url or sandbox_base_url("didfarm")).rstrip("/") + "/sandbox/messages/inbound"
        token = SANDBOX_CREDENTIALS["didfarm"]["api_key"]
        try:
            response = httpx.post(
                url,
                json={"to": to, "from": sender, "body": body},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10.0,
            )
        except httpx.HTTPError as error:
            raise CommandError(f"the sandbox at {url} did not answer: {error}") from None
        if response.status_code != 201:
            raise CommandError(f"the sandbox refused it ({response.status_code}): {response.text}")
        message_id = response.json()["data"]["message_id"]
        self.stdout.write(self.style.SUCCESS(f"queued {message_id}: delivered within a second"))
