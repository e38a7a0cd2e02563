"""The demo's provider accounts: one per provider, served by the sandbox over real HTTP.

The demo's web server and Celery worker are separate processes; an in-process simulator would give
each its own balances and orders. So the demo runs ``sandbox serve`` beside them and its accounts
point at it, the way production accounts point at the providers.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

from django.db import transaction

from .accounts import provider_account_create
from .models import ProviderAccount
from .providers.registry import PROVIDERS
from .sandbox.registry import SANDBOXES, make_sandbox
from .sandbox.server import SandboxServer, make_server
from .sync import catalog_sync

SANDBOX_HOST = "127.0.0.1"


def sandbox_port() -> int:
    return int(os.environ.get("SANDBOX_PORT", "8100"))


def sandbox_base_url(kind: str) -> str:
    base_path = getattr(PROVIDERS[kind].simulator_class, "base_path", "") or ""
    return f"http://{SANDBOX_HOST}:{sandbox_port()}/{kind}{base_path}"


@contextlib.contextmanager
def sandbox_running() -> Iterator[SandboxServer | None]:
    """Serve the simulators for the duration, unless a sandbox server already listens there."""
    try:
        server = make_server(
            {kind: make_sandbox(kind) for kind in SANDBOXES}, host=SANDBOX_HOST, port=sandbox_port()
        )
    except OSError:
        yield None  # `make demo` is running: its sandbox answers (same seed, same catalog)
        return
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def demo_accounts_ensure() -> list[ProviderAccount]:
    accounts = []
    for kind, description in PROVIDERS.items():
        name = f"{kind}-sandbox"
        url = sandbox_base_url(kind)
        account = ProviderAccount.objects.filter(name=name).first()
        if account is None:
            account = provider_account_create(
                kind=kind,
                name=name,
                base_url=url,
                credentials=dict(description.sandbox_credentials),
                webhook_secret=description.sandbox_webhook_secret,
                countries=list(description.sandbox_countries),
                rate_limit="",
            )
        elif not account.webhook_secret and description.sandbox_webhook_secret:
            # Demo databases seeded before webhooks were delivered: the simulator signs with it.
            account.webhook_secret = description.sandbox_webhook_secret
            account.save(update_fields=["webhook_secret"])
        if account.base_url != url:
            with transaction.atomic():
                ProviderAccount.objects.filter(pk=account.pk).update(base_url=url)
            account.base_url = url
        accounts.append(account)
    return accounts


def demo_numbers_plant(sandboxes: dict) -> int:
    """Give the served DIDWW simulator the numbers the demo's database says it holds (the
    seeded ones, and any bought in an earlier run): its state lives in memory, and the renewal
    jobs' suspend/restore/release calls must find them. Returns how many were planted."""
    from .models import HELD, Number, NumberStatus
    from .sandbox.didww_orders import DidRecord

    sandbox = sandboxes.get("didww")
    if sandbox is None:
        return 0
    sandbox.voice_in.plant_trunk("trunk-demo", name="Demo PBX")  # the route they had, and get back
    numbers = Number.objects.filter(provider_account__name="didww-sandbox", status__in=HELD)
    planted = 0
    for number in numbers.order_by("pk"):
        suspended = number.status == NumberStatus.SUSPENDED
        record = DidRecord(
            id=f"did-demo-{number.pk}",
            number=number.e164.removeprefix("+"),
            group_id="demo",
            order_id=f"order-demo-{number.pk}",
            channels=2,
            awaiting_registration=False,
            created_at=number.activated_at,
            expires_at=_midnight_utc(number.next_period_start),
            billing_cycles_count=0 if suspended else None,
            voice_in_trunk_id=None if suspended else "trunk-demo",
        )
        if not any(d.number == record.number for d in sandbox.state.dids.values()):
            sandbox.state.dids[record.id] = record  # before serving: nothing else runs yet
            planted += 1
    return planted


def _midnight_utc(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def demo_catalog_sync(accounts: list[ProviderAccount]) -> dict[str, dict[str, int]]:
    with sandbox_running():
        return {account.name: catalog_sync(account=account).counts for account in accounts}
