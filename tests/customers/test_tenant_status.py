"""Tenant status is enforced in the services (issue #10): every writing service a tenant member
can reach is called as each side (reseller people, client people) with the reseller active or
suspended and the client active, suspended or closed. A refusal must change nothing; a
permitted call must have its effect.

The expectations are written here from the issue's rules, not read from
customers/tenant_status.py: a suspended reseller's people and clients are read-only; a suspended
or closed client's people are read-only; its reseller still records (a closed client's: up to
its debt) and reverses its payments, keeps its details and decides its status; removing a person
or revoking an invitation (taking access away) is always allowed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from billing import ledger, wallets
from billing.checkout import CheckoutError, cart_prices_refresh, order_place
from billing.models import AccountKind, CartItem, MarkupRule, TransactionKind
from billing.pricing import PriceBook
from billing.services import cart_item_add, cart_item_remove, markup_rule_delete, markup_rule_save
from customers import services, services_domains, services_invitations
from customers.models import Client, Invitation, Membership, Reseller, Role
from customers.services_status import client_status_set
from inventory.models import DidGroup
from tests.billing.conftest import catalog, selling_reseller  # noqa: F401
from tests.factories import InvitationFactory, UserFactory, client_member, reseller_member

pytestmark = pytest.mark.django_db

R_STATES = ("active", "suspended")
C_STATES = ("active", "suspended", "closed")
REFUSED = (PermissionDenied, ValidationError, CheckoutError)


@dataclass
class World:
    reseller: Reseller
    client: Client
    owner: Membership
    staff: Membership
    client_admin: Membership
    client_user: Membership
    staff_invitation: Invitation
    client_invitation: Invitation
    payment_id: int
    cart_line: CartItem
    rule: MarkupRule
    group: DidGroup

    def wallet(self):
        return wallets.wallet_of(self.client)


@pytest.fixture
def world(catalog):  # noqa: F811
    shop = selling_reseller(client_role=Role.CLIENT_ADMIN, rates={"EUR": "1.10"})
    reseller, client = shop["reseller"], shop["client"]
    owner = Membership.objects.get(user=shop["owner"])
    staff = reseller_member(reseller, Role.RESELLER_STAFF)
    client_admin = Membership.objects.get(user=shop["client_user"])
    client_user = client_member(client, Role.CLIENT_USER)
    payment, _new = wallets.wallet_top_up(
        actor=owner.user, membership=owner, wallet=wallets.wallet_of(client),
        amount_minor=50_00, method="bank_transfer", reference="PAY-1",
        idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    wallets.wallet_top_up(  # the reseller pays its wholesale price when a client buys
        actor=UserFactory(is_staff=True), membership=None, wallet=wallets.wallet_of(reseller),
        amount_minor=50_00, method="bank_transfer", reference="ADM-1",
        idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    group = DidGroup.objects.get(external_id="us-1")
    line = cart_item_add(
        client=client, group=group, sku=group.skus.first(), quantity=1,
        billing_cycle="monthly", book=PriceBook(reseller=reseller, client=client),
    )  # fmt: skip
    return World(
        reseller=reseller,
        client=client,
        owner=owner,
        staff=staff,
        client_admin=client_admin,
        client_user=client_user,
        staff_invitation=InvitationFactory(reseller=reseller, role=Role.RESELLER_STAFF),
        client_invitation=InvitationFactory(
            reseller=reseller, client=client, role=Role.CLIENT_USER
        ),
        payment_id=payment.pk,
        cart_line=line,
        rule=MarkupRule.objects.get(level="retail", reseller=reseller),
        group=group,
    )


def _set_state(w: World, reseller_status: str, client_status: str) -> None:
    Reseller.objects.filter(pk=w.reseller.pk).update(status=reseller_status)
    Client.objects.filter(pk=w.client.pk).update(status=client_status)
    # The actors as a view would have them: loaded afresh on the request.
    for name in ("owner", "staff", "client_admin", "client_user"):
        setattr(w, name, Membership.objects.select_related("reseller", "client").get(
            pk=getattr(w, name).pk
        ))  # fmt: skip


def _markup_values(w: World, **extra) -> dict:
    values = {
        "client": None, "country": "US", "number_type": "", "percent": Decimal(20),
        "fixed_setup": Decimal(0), "fixed_monthly": Decimal(0), "min_margin_setup": Decimal(0),
        "min_margin_monthly": Decimal(0), "rounding": MarkupRule.rounding.field.default,
    }  # fmt: skip
    return values | extra


# Each case: (the actor's side, what it does, what it changes — read back from the database).
CASES = {
    # --- a reseller's people ---------------------------------------------------------------
    "client_create": (
        "reseller",
        lambda w: services.client_create(
            actor=w.staff, name="Initech", contact_email="it@initech.example"
        ),
        lambda w: Client.objects.filter(reseller=w.reseller).count(),
    ),
    "client_edit_by_reseller": (
        "reseller",
        lambda w: services.client_update(actor=w.staff, client=w.client, phone="+12125550100"),
        lambda w: Client.objects.get(pk=w.client.pk).phone,
    ),
    "client_status_by_owner": (
        "reseller",
        lambda w: client_status_set(
            actor=w.owner.user,
            client=w.client,
            status="active" if w.client.status != "active" else "suspended",
        ),
        lambda w: Client.objects.get(pk=w.client.pk).status,
    ),
    "invite_into_client": (
        "reseller",
        lambda w: services_invitations.invitation_create(
            actor=w.staff, email="new@globex.example", role=Role.CLIENT_USER, client=w.client
        ),
        lambda w: Invitation.objects.count(),
    ),
    "invite_staff": (
        "reseller",
        lambda w: services_invitations.invitation_create(
            actor=w.owner, email="colleague@wave.example", role=Role.RESELLER_STAFF
        ),
        lambda w: Invitation.objects.count(),
    ),
    "resend_client_invitation": (
        "reseller",
        lambda w: services_invitations.invitation_resend(
            actor=w.staff, invitation=w.client_invitation
        ),
        lambda w: Invitation.objects.get(pk=w.client_invitation.pk).expires_at,
    ),
    "client_role_by_reseller": (
        "reseller",
        lambda w: services.membership_role_set(
            actor=w.staff, member=w.client_user, role=Role.CLIENT_ADMIN
        ),
        lambda w: Membership.objects.get(pk=w.client_user.pk).role,
    ),
    "staff_role_by_owner": (
        "reseller",
        lambda w: services.membership_role_set(
            actor=w.owner, member=w.staff, role=Role.RESELLER_OWNER
        ),
        lambda w: Membership.objects.get(pk=w.staff.pk).role,
    ),
    "remove_client_person_by_reseller": (
        "reseller",
        lambda w: services.membership_remove(actor=w.staff, member=w.client_user),
        lambda w: Membership.objects.filter(pk=w.client_user.pk).exists(),
    ),
    "remove_staff_by_owner": (
        "reseller",
        lambda w: services.membership_remove(actor=w.owner, member=w.staff),
        lambda w: Membership.objects.filter(pk=w.staff.pk).exists(),
    ),
    "revoke_staff_invitation": (
        "reseller",
        lambda w: services_invitations.invitation_revoke(
            actor=w.owner, invitation=w.staff_invitation
        ),
        lambda w: Invitation.objects.get(pk=w.staff_invitation.pk).revoked_at,
    ),
    "top_up": (
        "reseller",
        lambda w: wallets.wallet_top_up(
            actor=w.staff.user,
            membership=w.staff,
            wallet=w.wallet(),
            amount_minor=10_00,
            method="cash",
            reference="PAY-2",
            idempotency_key=uuid.uuid4().hex,
        ),
        lambda w: ledger.client_wallet(w.client).balance_minor,
    ),
    "payment_reverse": (
        "reseller",
        lambda w: wallets.wallet_payment_reverse(
            actor=w.owner.user,
            membership=w.owner,
            wallet=w.wallet(),
            transaction_id=w.payment_id,
            reason="Recorded twice",
        ),
        lambda w: ledger.client_wallet(w.client).balance_minor,
    ),
    "credit_limit": (
        "reseller",
        lambda w: wallets.wallet_credit_limit_set(
            actor=w.owner.user, membership=w.owner, wallet=w.wallet(), limit_minor=25_00
        ),
        lambda w: ledger.client_wallet(w.client).credit_limit_minor,
    ),
    "pricing_save": (
        "reseller",
        lambda w: markup_rule_save(actor=w.owner, values=_markup_values(w)),
        lambda w: MarkupRule.objects.filter(reseller=w.reseller).count(),
    ),
    "pricing_delete": (
        "reseller",
        lambda w: markup_rule_delete(actor=w.owner, rule=w.rule),
        lambda w: MarkupRule.objects.filter(reseller=w.reseller).count(),
    ),
    "branding": (
        "reseller",
        lambda w: services.reseller_update_branding(actor=w.owner, display_name="New Brand"),
        lambda w: Reseller.objects.get(pk=w.reseller.pk).display_name,
    ),
    "domain_check": (
        "reseller",
        lambda w: services_domains.reseller_domain_check_request(actor=w.owner),
        None,  # nothing to check (no domain): permitted means "not refused"
    ),
    "cart_by_reseller": (
        "reseller",
        lambda w: cart_item_add(
            client=w.client,
            group=w.group,
            sku=w.group.skus.first(),
            quantity=1,
            billing_cycle="monthly",
            book=PriceBook(reseller=w.reseller, client=w.client),
        ),
        lambda w: CartItem.objects.filter(cart__client=w.client).count(),
    ),
    # --- a client's people -----------------------------------------------------------------
    "client_edit_by_client": (
        "client",
        lambda w: services.client_update(
            actor=w.client_admin, client=w.client, phone="+12125550100"
        ),
        lambda w: Client.objects.get(pk=w.client.pk).phone,
    ),
    "invite_by_client": (
        "client",
        lambda w: services_invitations.invitation_create(
            actor=w.client_admin,
            email="new@globex.example",
            role=Role.CLIENT_USER,
            client=w.client,
        ),
        lambda w: Invitation.objects.count(),
    ),
    "resend_by_client": (
        "client",
        lambda w: services_invitations.invitation_resend(
            actor=w.client_admin, invitation=w.client_invitation
        ),
        lambda w: Invitation.objects.get(pk=w.client_invitation.pk).expires_at,
    ),
    "role_by_client": (
        "client",
        lambda w: services.membership_role_set(
            actor=w.client_admin, member=w.client_user, role=Role.CLIENT_ADMIN
        ),
        lambda w: Membership.objects.get(pk=w.client_user.pk).role,
    ),
    "remove_by_client": (
        "client",
        lambda w: services.membership_remove(actor=w.client_admin, member=w.client_user),
        lambda w: Membership.objects.filter(pk=w.client_user.pk).exists(),
    ),
    "revoke_by_client": (
        "client",
        lambda w: services_invitations.invitation_revoke(
            actor=w.client_admin, invitation=w.client_invitation
        ),
        lambda w: Invitation.objects.get(pk=w.client_invitation.pk).revoked_at,
    ),
    "cart_add": (
        "client",
        lambda w: cart_item_add(
            client=w.client_user.client,
            group=w.group,
            sku=w.group.skus.first(),
            quantity=1,
            billing_cycle="monthly",
            book=PriceBook(reseller=w.reseller, client=w.client),
        ),
        lambda w: CartItem.objects.filter(cart__client=w.client).count(),
    ),
    "cart_remove": (
        "client",
        lambda w: cart_item_remove(client=w.client_user.client, item_id=w.cart_line.pk),
        lambda w: CartItem.objects.filter(cart__client=w.client).count(),
    ),
    "cart_refresh": (
        "client",
        lambda w: cart_prices_refresh(client=w.client_user.client),
        None,  # prices unchanged: permitted means "not refused"
    ),
    "order": (
        "client",
        lambda w: order_place(
            client=w.client_admin.client,
            user=w.client_admin.user,
            idempotency_key=uuid.uuid4().hex,
            item_ids=[w.cart_line.pk],
        ),
        lambda w: w.client.orders.count(),
    ),
    "join_client": (
        "client",
        lambda w: services_invitations.invitation_accept(
            invitation=w.client_invitation, full_name="New Person", password="a-Long-pass-9731"
        ),
        lambda w: Membership.objects.filter(client=w.client).count(),
    ),
}

# Taking access away is allowed in every state.
ALWAYS = {
    "remove_client_person_by_reseller", "remove_staff_by_owner", "revoke_staff_invitation",
    "remove_by_client", "revoke_by_client",
}  # fmt: skip
# What a reseller's people may still do to a suspended or closed client of theirs.
ON_PAUSED_CLIENT = {
    "client_edit_by_reseller", "client_status_by_owner", "top_up", "payment_reverse",
} | ALWAYS  # fmt: skip
# What does not concern the client at all (the reseller's own team, prices and brand).
RESELLER_OWN = {
    "client_create", "invite_staff", "staff_role_by_owner", "pricing_save", "pricing_delete",
    "branding", "domain_check",
} | {"remove_staff_by_owner", "revoke_staff_invitation"}  # fmt: skip


def expected(case: str, reseller_status: str, client_status: str) -> bool:
    side = CASES[case][0]
    if case in ALWAYS:
        return True
    if reseller_status != "active":
        return False  # the reseller's people and all its clients' people are read-only
    if client_status == "active":
        return True
    if side == "client":
        return False  # a suspended or closed client's people are read-only
    if case in RESELLER_OWN:
        return True
    if case == "top_up" and client_status == "closed":
        return False  # a closed client owes nothing here: no payment to settle
    return case in ON_PAUSED_CLIENT


@pytest.mark.parametrize("client_status", C_STATES)
@pytest.mark.parametrize("reseller_status", R_STATES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_service_follows_the_tenant_status(world, case, reseller_status, client_status):
    _side, act, observe = CASES[case]
    _set_state(world, reseller_status, client_status)
    world.client.refresh_from_db()
    before = observe(world) if observe else None
    if expected(case, reseller_status, client_status):
        act(world)
        if observe:
            assert observe(world) != before, f"{case} permitted but changed nothing"
    else:
        with pytest.raises(REFUSED):
            act(world)
        if observe:
            assert observe(world) == before, f"{case} refused but changed something"


def test_a_refusal_says_why_in_a_plain_sentence(world):
    _set_state(world, "suspended", "active")
    with pytest.raises(PermissionDenied, match="paused on this account"):
        services_invitations.invitation_create(
            actor=world.client_admin, email="x@globex.example", role=Role.CLIENT_USER,
            client=world.client,
        )  # fmt: skip
    _set_state(world, "active", "closed")
    with pytest.raises(PermissionDenied, match="closed"):
        services.client_update(actor=world.client_admin, client=world.client, phone="+12125550100")


def _owe(w: World, minor: int) -> None:
    """Put the client's wallet ``minor`` below zero (spent on credit)."""
    wallet = w.wallet()
    with transaction.atomic():
        wallets.wallet_credit_limit_set(
            actor=w.owner.user, membership=w.owner, wallet=wallet, limit_minor=500_00
        )
        balance = ledger.client_wallet(w.client).balance_minor
        ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT,
            entries=[
                (wallet, -(balance + minor)),
                (ledger.reseller_revenue(w.reseller, wallet.currency), balance + minor),
            ],
            memo="spent",
        )


def test_a_closed_client_can_be_paid_only_what_it_owes(world):
    _owe(world, 30_00)
    _set_state(world, "active", "closed")
    wallet = world.wallet()

    def pay(minor: int):
        return wallets.wallet_top_up(
            actor=world.staff.user, membership=world.staff, wallet=wallet, amount_minor=minor,
            method="cash", reference="SETTLE", idempotency_key=uuid.uuid4().hex,
        )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        pay(30_01)
    assert "at most what it owes" in str(refused.value)
    assert ledger.client_wallet(world.client).balance_minor == -30_00
    pay(20_00)
    pay(10_00)
    assert ledger.client_wallet(world.client).balance_minor == 0
    with pytest.raises(ValidationError, match="owes nothing"):
        pay(1)


def test_staff_cannot_change_a_clients_status_and_owners_can(world):
    with pytest.raises(PermissionDenied):
        client_status_set(actor=world.staff.user, client=world.client, status="suspended")
    assert Client.objects.get(pk=world.client.pk).status == "active"
    with pytest.raises(PermissionDenied):  # another reseller's owner
        other = reseller_member(Reseller.objects.create(name="Other", slug="other"))
        client_status_set(actor=other.user, client=world.client, status="suspended")
    client_status_set(actor=world.owner.user, client=world.client, status="closed")
    assert Client.objects.get(pk=world.client.pk).status == "closed"


def test_reactivation_restores_everything(world):
    from customers.services_status import reseller_status_set

    admin = UserFactory(is_staff=True)
    client_status_set(actor=world.owner.user, client=world.client, status="suspended")
    reseller_status_set(actor=admin, reseller=world.reseller, status="suspended")
    _set_state(world, "suspended", "suspended")
    with pytest.raises(PermissionDenied):
        cart_prices_refresh(client=world.client)
    with pytest.raises(PermissionDenied):
        services.reseller_update_branding(actor=world.owner, display_name="X")
    with pytest.raises(PermissionDenied):  # the owner cannot lift its own client's status
        client_status_set(actor=world.owner.user, client=world.client, status="active")

    reseller_status_set(actor=admin, reseller=world.reseller, status="active")
    client_status_set(actor=world.owner.user, client=world.client, status="active")
    _set_state(world, "active", "active")
    services.reseller_update_branding(actor=world.owner, display_name="Back Again")
    services_invitations.invitation_create(
        actor=world.client_admin, email="back@globex.example", role=Role.CLIENT_USER,
        client=world.client,
    )  # fmt: skip
    order, created = order_place(
        client=world.client, user=world.client_admin.user, idempotency_key=uuid.uuid4().hex,
        item_ids=[world.cart_line.pk],
    )  # fmt: skip
    assert created and order.client_id == world.client.pk


def test_only_platform_admins_set_a_resellers_status(world):
    from customers.services_status import reseller_status_set

    with pytest.raises(PermissionDenied):
        reseller_status_set(actor=world.owner.user, reseller=world.reseller, status="suspended")
    assert Reseller.objects.get(pk=world.reseller.pk).status == "active"


def test_platform_admins_are_not_limited_by_a_resellers_status(world):
    admin = UserFactory(is_staff=True)
    _set_state(world, "suspended", "active")
    reseller_wallet = ledger.reseller_wallet(world.reseller)
    before = reseller_wallet.balance_minor
    wallets.wallet_top_up(
        actor=admin, membership=None, wallet=reseller_wallet, amount_minor=5_00,
        method="bank_transfer", reference="ADM", idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    assert ledger.reseller_wallet(world.reseller).balance_minor == before + 5_00
    assert reseller_wallet.kind == AccountKind.RESELLER_WALLET
