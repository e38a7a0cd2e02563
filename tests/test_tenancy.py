"""Every reseller and client URL, given another tenant's ids, answers 404 (DESIGN.md §6).

The sweep reads the URL configuration, so a new tenant URL with an id that this test does not know
how to fill fails here until it is added to ``OBJECT_FOR``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, get_resolver, reverse

from billing.models import MarkupRule, Order
from customers.models import Role
from tests.billing.renewals.helpers import make_number
from tests.factories import (
    ClientFactory,
    InvitationFactory,
    ResellerFactory,
    client_member,
    reseller_member,
)

pytestmark = pytest.mark.django_db

# route name -> which kind of object its <pk> names
OBJECT_FOR = {
    "reseller:client_detail": "client",
    "reseller:client_edit": "client",
    "reseller:client_status": "client",
    "reseller:client_invite": "client",
    "reseller:invitation_revoke": "reseller_invitation",
    "reseller:invitation_resend": "reseller_invitation",
    "reseller:member_remove": "reseller_member",
    "reseller:member_role": "reseller_member",
    "client:invitation_revoke": "client_invitation",
    "client:invitation_resend": "client_invitation",
    "client:member_remove": "client_member",
    "client:member_role": "client_member",
}

# billing routes (one namespace for clients and resellers): name -> (URL kwarg, kind of object)
BILLING_OBJECT_FOR = {
    "billing:client_wallet": ("pk", "client"),
    "billing:client_wallet_csv": ("pk", "client"),
    "billing:client_top_up": ("pk", "client"),
    "billing:order": ("reference", "order"),
    "billing:markup_delete": ("pk", "markup_rule"),
    # a payment into that tenant's client's wallet, through that client's URL
    "billing:client_payment_reverse": (("pk", "client"), ("txn", "payment")),
    # a staff payment above the limits, waiting for that tenant's owner
    "billing:payment_approve": ("pk", "pending_payment"),
    "billing:payment_reject": ("pk", "pending_payment"),
    "billing:number_auto_renew": ("pk", "number"),
    "billing:number_release": ("pk", "number"),
    "billing:number_price": ("pk", "number"),
    "billing:number_routing": ("pk", "number"),
    "billing:number_route_status": ("pk", "number"),
    "billing:destination": ("pk", "destination"),
    "billing:destination_reveal": ("pk", "destination"),
    "billing:destination_regenerate": ("pk", "destination"),
    "billing:destination_delete": ("pk", "destination"),
    "billing:invoice": ("pk", "invoice"),
    "billing:invoice_pdf": ("pk", "invoice"),
    "billing:credit_note_create": ("pk", "invoice"),
}
# id-taking billing routes that name no tenant's object, or that need more than this file builds
BILLING_NOT_SWEPT = {
    "billing:group": "the catalog is shared by every tenant",
    "billing:provider_webhook": "providers sign these: tests/billing/test_webhooks.py",
    "billing:cart_remove": "needs a catalog: tests/billing/test_browse.py",
}
# These refuse (403) before looking anything up: reseller pages to client people, owner actions
# to staff. The answer is the same for any id, so it reveals nothing.
RESELLER_ONLY = {
    "billing:client_wallet", "billing:client_wallet_csv", "billing:client_top_up",
    "billing:markup_delete", "billing:client_payment_reverse", "billing:payment_approve",
    "billing:payment_reject", "billing:number_price", "billing:credit_note_create",
}  # fmt: skip
OWNER_ONLY = {
    "billing:markup_delete", "billing:payment_approve", "billing:payment_reject",
    "billing:number_price", "billing:credit_note_create",
}  # fmt: skip
# A client admin's choices about its numbers: other roles are refused before any lookup.
CLIENT_ADMIN_ONLY = {
    "billing:number_auto_renew", "billing:number_release", "billing:destination_reveal",
    "billing:destination_regenerate", "billing:destination_delete",
}  # fmt: skip
# A client's routing pages: a reseller's people are refused before any lookup.
CLIENT_ONLY = {
    "billing:number_routing", "billing:number_route_status", "billing:destination",
    "billing:destination_reveal", "billing:destination_regenerate", "billing:destination_delete",
}  # fmt: skip


def tenant_routes(namespace: str) -> list[tuple[str, URLPattern]]:
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) == namespace:
            return [(f"{namespace}:{p.name}", p) for p in pattern.url_patterns]
    raise AssertionError(f"no namespace {namespace}")


def _order(client) -> str:
    return Order.objects.create(
        reference=f"DH-T{client.pk:07d}", client=client, reseller=client.reseller,
        idempotency_key="sweep", currency="USD", retail_total_minor=0, wholesale_total_minor=0,
    ).reference  # fmt: skip


def _payment(client) -> int:
    import uuid

    from billing import ledger, wallets

    owner = reseller_member(client.reseller)
    txn, _created = wallets.wallet_top_up(
        actor=owner.user, membership=owner, wallet=ledger.client_wallet(client), amount_minor=100,
        method="cash", reference="sweep", idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    return txn.pk


def _pending_payment(client) -> int:
    import uuid

    from billing import ledger, wallets

    staff = reseller_member(client.reseller, Role.RESELLER_STAFF)
    pending, _created = wallets.wallet_top_up(
        actor=staff.user, membership=staff, wallet=ledger.client_wallet(client),
        amount_minor=10**7, method="cash", reference="sweep", idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    return pending.pk


def _invoice(client) -> int:
    import datetime as dt

    from django.utils import timezone

    from billing.invoices.models import Invoice

    return Invoice.objects.create(
        issuer_key=f"reseller:{client.reseller_id}", issuer=client.reseller, client=client,
        recipient_key=f"client:{client.pk}", number=f"INV-2026-{client.pk:06d}", year=2026,
        sequence=client.pk, issued_at=timezone.now(), issue_date=dt.date(2026, 12, 1),
        period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30), currency="USD",
        net_minor=100, tax_minor=0, gross_minor=100, issuer_snapshot={}, recipient_snapshot={},
    ).pk  # fmt: skip


def _destination(client) -> int:
    from inventory.models import Destination

    return Destination.objects.create(
        client=client, reseller=client.reseller, kind="sip_uri", label="Sweep",
        address=f"sip:sweep{client.pk}@pbx.example.com",
    ).pk  # fmt: skip


def _billing_kwargs(name: str, objects: dict) -> dict:
    spec = BILLING_OBJECT_FOR[name]
    pairs = spec if isinstance(spec[0], tuple) else (spec,)
    return {kwarg: objects[kind] for kwarg, kind in pairs}


def other_tenant_objects():
    """Objects of a second reseller, and of a second client of the first reseller."""
    mine = ResellerFactory()
    theirs = ResellerFactory()
    my_client = ClientFactory(reseller=mine)
    sibling_client = ClientFactory(reseller=mine)
    their_client = ClientFactory(reseller=theirs)
    rule = MarkupRule.objects.create(level="retail", reseller=theirs, percent=10)
    return {
        "mine": mine,
        "my_client": my_client,
        "reseller_objects": {
            "client": their_client.pk,
            "reseller_invitation": InvitationFactory(reseller=theirs).pk,
            "client_invitation": InvitationFactory(
                reseller=theirs, client=their_client, role=Role.CLIENT_USER
            ).pk,
            "order": _order(their_client),
            "markup_rule": rule.pk,
            "payment": _payment(their_client),
            "pending_payment": _pending_payment(their_client),
            "reseller_member": reseller_member(theirs, Role.RESELLER_STAFF).pk,
            "client_member": client_member(their_client, Role.CLIENT_USER).pk,
            "number": make_number(their_client, anchor=dt.date(2027, 1, 15)).pk,
            "invoice": _invoice(their_client),
            "destination": _destination(their_client),
        },
        "client_objects": {
            "client": sibling_client.pk,
            "reseller_invitation": InvitationFactory(reseller=mine).pk,
            "client_invitation": InvitationFactory(
                reseller=mine, client=sibling_client, role=Role.CLIENT_USER
            ).pk,
            "order": _order(sibling_client),
            "markup_rule": MarkupRule.objects.create(level="retail", reseller=mine, percent=5).pk,
            "payment": _payment(sibling_client),
            "pending_payment": _pending_payment(sibling_client),
            "reseller_member": reseller_member(mine, Role.RESELLER_STAFF).pk,
            "client_member": client_member(sibling_client, Role.CLIENT_USER).pk,
            "number": make_number(sibling_client, anchor=dt.date(2027, 1, 15)).pk,
            "invoice": _invoice(sibling_client),
            "destination": _destination(sibling_client),
        },
    }


def sweep(client, namespace: str, objects: dict[str, int]) -> list[str]:
    checked = []
    for name, pattern in tenant_routes(namespace):
        params = list(pattern.pattern.converters)
        if not params:
            continue
        assert name in OBJECT_FOR, f"{name} takes {params}: add it to OBJECT_FOR"
        url = reverse(name, kwargs={"pk": objects[OBJECT_FOR[name]]})
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            assert status in (404, 405), f"{method.upper()} {url} answered {status}"
        checked.append(name)
    return checked


@pytest.mark.parametrize("role", [Role.RESELLER_OWNER, Role.RESELLER_STAFF])
def test_reseller_urls_hide_other_resellers_objects(client, role):
    world = other_tenant_objects()
    client.force_login(reseller_member(world["mine"], role).user)
    checked = sweep(client, "reseller", world["reseller_objects"])
    assert len(checked) == 8


@pytest.mark.parametrize("role", [Role.CLIENT_ADMIN, Role.CLIENT_USER])
def test_client_urls_hide_other_clients_objects(client, role):
    world = other_tenant_objects()
    client.force_login(client_member(world["my_client"], role).user)
    for objects in (world["client_objects"], world["reseller_objects"]):
        # client users may not manage invitations at all (403 before the lookup) — admins get 404
        for name, pattern in tenant_routes("client"):
            if not pattern.pattern.converters:
                continue
            assert name in OBJECT_FOR, f"{name}: add it to OBJECT_FOR"
            url = reverse(name, kwargs={"pk": objects[OBJECT_FOR[name]]})
            expected = {404, 405} if role == Role.CLIENT_ADMIN else {403, 405}
            assert client.get(url).status_code in expected
            assert client.post(url).status_code in expected - {405}


def test_reseller_pages_are_closed_to_client_people(client):
    world = other_tenant_objects()
    client.force_login(client_member(world["my_client"]).user)
    for name, pattern in tenant_routes("reseller"):
        kwargs = {"pk": world["my_client"].pk} if pattern.pattern.converters else {}
        assert client.get(reverse(name, kwargs=kwargs)).status_code in (403, 405)


def billing_routes() -> list[str]:
    names = []
    for name, pattern in tenant_routes("billing"):
        params = list(pattern.pattern.converters)
        if not params or name in BILLING_NOT_SWEPT:
            continue
        assert name in BILLING_OBJECT_FOR, f"{name} takes {params}: add it to BILLING_OBJECT_FOR"
        names.append(name)
    return names


@pytest.mark.parametrize(
    "role", [Role.RESELLER_OWNER, Role.RESELLER_STAFF, Role.CLIENT_ADMIN, Role.CLIENT_USER]
)
def test_billing_urls_hide_other_tenants_objects(client, role):
    world = other_tenant_objects()
    if role in (Role.RESELLER_OWNER, Role.RESELLER_STAFF):
        member, objects = reseller_member(world["mine"], role), world["reseller_objects"]
        refused = (
            (OWNER_ONLY if role == Role.RESELLER_STAFF else set()) | CLIENT_ADMIN_ONLY | CLIENT_ONLY
        )
    else:
        member, objects = client_member(world["my_client"], role), world["client_objects"]
        refused = RESELLER_ONLY | (CLIENT_ADMIN_ONLY if role == Role.CLIENT_USER else set())
    client.force_login(member.user)
    checked = []
    for name in billing_routes():
        url = reverse(name, kwargs=_billing_kwargs(name, objects))
        expected = {403, 405} if name in refused else {404, 405}
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            assert status in expected, f"{role}: {method.upper()} {url} answered {status}"
        checked.append(name)
    assert set(checked) == set(BILLING_OBJECT_FOR)


# A number's texts: client people only (another client's number is a 404); the reseller's people
# are refused before any lookup (texts are the client's own correspondence).
MESSAGING_OBJECT_FOR = {
    "messaging:number_messages": "number",
    "messaging:message_send": "number",
}


@pytest.mark.parametrize(
    "role", [Role.RESELLER_OWNER, Role.RESELLER_STAFF, Role.CLIENT_ADMIN, Role.CLIENT_USER]
)
def test_messaging_urls_hide_other_clients_numbers(client, role):
    world = other_tenant_objects()
    if role in (Role.RESELLER_OWNER, Role.RESELLER_STAFF):
        member, sets, expected = reseller_member(world["mine"], role), ["reseller_objects"], {403}
    else:
        member = client_member(world["my_client"], role)
        sets, expected = ["client_objects", "reseller_objects"], {404}
    client.force_login(member.user)
    checked = set()
    for objects in sets:
        for name, pattern in tenant_routes("messaging"):
            if not pattern.pattern.converters:
                continue
            assert name in MESSAGING_OBJECT_FOR, f"{name}: add it to MESSAGING_OBJECT_FOR"
            url = reverse(name, kwargs={"pk": world[objects][MESSAGING_OBJECT_FOR[name]]})
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                assert status in expected | {405}, f"{role}: {method.upper()} {url}: {status}"
            checked.add(name)
    assert checked == set(MESSAGING_OBJECT_FOR)


REPORTS_OBJECT_FOR = {"reports:client": "client", "reports:client_export": "client"}


@pytest.mark.parametrize(
    "role", [Role.RESELLER_OWNER, Role.RESELLER_STAFF, Role.CLIENT_ADMIN, Role.CLIENT_USER]
)
def test_reports_urls_hide_other_tenants_clients(client, role):
    """A reseller's reports of another reseller's client are a 404; client people are refused
    the reseller's reports before any lookup."""
    world = other_tenant_objects()
    if role in (Role.RESELLER_OWNER, Role.RESELLER_STAFF):
        member, objects, expected = reseller_member(world["mine"], role), "reseller_objects", {404}
    else:
        member, objects, expected = client_member(world["my_client"], role), "client_objects", {403}
    client.force_login(member.user)
    checked = []
    for name, pattern in tenant_routes("reports"):
        params = list(pattern.pattern.converters)
        if "pk" not in params:
            continue
        assert name in REPORTS_OBJECT_FOR, f"{name} takes {params}: add it to REPORTS_OBJECT_FOR"
        kwargs = {"pk": world[objects][REPORTS_OBJECT_FOR[name]]}
        if "name" in params:
            kwargs["name"] = "months"
        url = reverse(name, kwargs=kwargs)
        status = client.get(url).status_code
        assert status in expected, f"{role}: GET {url} answered {status}"
        checked.append(name)
    assert set(checked) == set(REPORTS_OBJECT_FOR)
