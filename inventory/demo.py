"""The demo's provider accounts: one per provider, served by the sandbox over real HTTP.

The demo's web server and Celery worker are separate processes; an in-process simulator would give
each its own balances and orders. So the demo runs ``sandbox serve`` beside them and its accounts
point at it, the way production accounts point at the providers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

from django.db import transaction

from .accounts import provider_account_create
from .models import ProviderAccount
from .providers.registry import PROVIDERS
from .sandbox.held import HeldNumber, HeldTrunk
from .sandbox.registry import SANDBOXES, make_sandbox
from .sandbox.server import SandboxServer, make_server
from .sync import catalog_sync

SANDBOX_HOST = "127.0.0.1"
logger = logging.getLogger("didhub.demo")


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


# The demo platform's name for its trunk provider's SIP server (a CNAME in production).
DEMO_SIP_SERVER = "sip.voice.example.net"


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
        if "trunks" in description.capabilities and not account.sip_server_alias:
            # Clients see the trunk server under the platform's name, never the provider's.
            account.sip_server_alias = DEMO_SIP_SERVER
            account.save(update_fields=["sip_server_alias"])
        if account.base_url != url:
            with transaction.atomic():
                ProviderAccount.objects.filter(pk=account.pk).update(base_url=url)
            account.base_url = url
        accounts.append(account)
    return accounts


def demo_numbers_plant(sandboxes: dict) -> dict[str, int]:
    """Give each served simulator the numbers the demo's database says the platform holds at
    its ``<kind>-sandbox`` account (the seeded ones, and any bought in an earlier run): their
    state lives in memory, and the renewal, routing and release jobs must find them after a
    restart. Released numbers are not planted (absent upstream, as reconciliation expects);
    ones still releasing are (the provider holds them until the release lands). Returns how
    many each simulator took (a number it already held is not counted again)."""
    from .models import HELD, Number, NumberStatus

    planted: dict[str, int] = {}
    for kind, sandbox in sandboxes.items():
        adopt = getattr(sandbox, "adopt", None)
        if adopt is None:  # a simulator that cannot hold numbers bought earlier
            logger.warning("demo sandbox %s cannot hold the demo's numbers", kind)
            continue
        numbers = list(
            Number.objects.filter(
                provider_account__name=f"{kind}-sandbox",
                status__in=[*HELD, NumberStatus.AWAITING_DOCUMENTS, NumberStatus.RELEASING],
            )
            .select_related("group", "provider_account", "route")
            .order_by("pk")
        )
        routes = {number.pk: _applied_route(number) for number in numbers}
        _trunks_plant(kind, sandbox, routes.values())
        taken = 0
        for number in numbers:
            try:
                taken += adopt(_held(number, routes[number.pk]))
            except ValueError as error:  # a number the simulator cannot place: say so, go on
                logger.warning("demo sandbox %s: %s not held: %s", kind, number.e164, error)
        planted[kind] = taken
    return planted


def _held(number, route: dict | None = None) -> HeldNumber:
    account = number.provider_account
    group = number.group if number.group and number.group.account_id == account.pk else None
    made = (route or {}).get("made") or {}
    return HeldNumber(
        number=number.e164,
        # The provider's id for it, where its route recorded one: the same DID again.
        number_id=str(made.get("did_id") or made.get("did_number_id") or ""),
        group_id=group.external_id if group else "",
        number_type=number.number_type,
        suspended=number.status == "suspended",
        created_at=number.activated_at,
        expires_at=_midnight_utc(number.next_period_start),
        monthly_cost=number.cost_monthly if number.cost_currency == account.currency else None,
        route=route,
    )


def _applied_route(number) -> dict | None:
    """The route the provider confirmed last for ``number`` (``NumberRoute.applied``) with the
    provider's ids for it; None when it never confirmed one. Routes confirmed before the ids
    were recorded there take them from the route action's details."""
    from .models import NumberRoute, UpstreamAction

    try:
        applied = number.route.applied
    except NumberRoute.DoesNotExist:
        return None
    if not applied.get("route"):
        return None
    made = applied.get("made")
    if made is None and applied.get("action_id"):
        action = UpstreamAction.objects.filter(pk=applied["action_id"]).first()
        made = (action.details.get("made") if action else None) or {}
    return {**applied["route"], "made": made or {}}


def _trunks_plant(kind: str, sandbox, routes) -> int:
    """Give a simulator that makes client SIP trunks the ones the demo's clients made there
    (and not yet deleted upstream), before the numbers that ring them."""
    from django.db.models import Q

    from .models import Destination

    adopt_trunk = getattr(sandbox, "adopt_trunk", None)
    if adopt_trunk is None:
        return 0
    # The provider's own id of a trunk, where a confirmed route recorded it.
    ids = {
        (route.get("target") or {}).get("address"): str(route["made"].get("sip_trunk_id") or "")
        for route in routes
        if route and (route.get("target") or {}).get("kind") == "trunk"
    }
    trunks = (
        Destination.objects.filter(kind="trunk", provider_account__name=f"{kind}-sandbox")
        .exclude(address="")
        .filter(Q(deleted_at=None) | Q(trunk_op="delete"))
        .order_by("pk")
    )
    taken = 0
    for trunk in trunks:
        taken += adopt_trunk(
            HeldTrunk(
                external_id=trunk.address,
                name=trunk.trunk_name or trunk.label,
                username=trunk.username,
                provider_id=ids.get(trunk.address, ""),
            )
        )
    return taken


def _midnight_utc(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def demo_catalog_sync(accounts: list[ProviderAccount]) -> dict[str, dict[str, int]]:
    with sandbox_running():
        return {account.name: catalog_sync(account=account).counts for account in accounts}


def demo_number_groups_link() -> int:
    """Link the demo's numbers that have no group to their synced group (the seed makes the
    numbers before the first sync): the group of their provider account, number type and
    NANP exchange (or area code, for a group of a whole one), so the number's features (SMS)
    show. Returns how many."""
    from .models import DidGroup, Number

    linked = 0
    numbers = Number.objects.filter(provider_account__name__endswith="-sandbox", group=None)
    for number in numbers.exclude(status="released"):
        if not number.e164.startswith("+1") or len(number.e164) != 12:
            continue  # the demo's numbers are NANP ones
        npa, nxx = number.e164[2:5], number.e164[5:8]
        groups = DidGroup.objects.filter(
            account_id=number.provider_account_id,
            country_id=HeldNumber(number.e164).parts()[0],
            npa=npa,
            number_type=number.number_type or "local",
            retired_at=None,
        )
        group = groups.filter(nxx=nxx).first() or groups.filter(nxx="").first()
        if group is not None:
            Number.objects.filter(pk=number.pk).update(group=group)
            linked += 1
    return linked
