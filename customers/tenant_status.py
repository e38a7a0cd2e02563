"""What a tenant's people may do while their reseller or client is suspended or closed.

The one place that decides it. Every writing service a tenant member can reach calls
``tenant_action_require`` (the pages ask ``tenant_actions`` to hide what would be refused).
Who may do something at all (owner or staff, admin or user) stays with each service; this module
only adds what the tenant's status takes away, the same for every role of one side (the
reseller's people, a client's people). Platform admins are not tenant members and are
not limited here.

The rules (issue #10):
- Everyone may always read: sign-in works, numbers, orders, invoices and wallets stay visible.
- A suspended reseller: its owners, staff and all its clients' people are read-only. Its clients
  see a neutral notice (no reason, no platform or provider names).
- A suspended client: its people are read-only; its reseller may still record payments into its
  wallet (and reverse one recorded by mistake) and keep its details up to date.
- A closed client: its people sign in to a read-only view; its reseller may record a payment
  only to settle what the client owes (a closed account has nothing to spend credit on) and
  reverse a payment recorded by mistake.
- Taking access away (removing a person, revoking an invitation) is allowed in every state: a
  paused tenant must still be able to shut out someone who left.
- Reactivation restores everything: nothing here is stored, it is all read from the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Client, Membership, Reseller


class Action(StrEnum):
    CART = "cart"  # fill or empty a cart, refresh its prices
    ORDER = "order"  # buy what is in the cart
    NUMBERS = "numbers"  # change an owned number: routing, release
    TOP_UP = "top_up"  # record a payment into a client's wallet
    PAYMENT_REVERSE = "payment_reverse"  # undo a payment recorded by mistake
    CREDIT_LIMIT = "credit_limit"
    CLIENT_CREATE = "client_create"
    CLIENT_EDIT = "client_edit"  # a client's contact and billing details
    CLIENT_STATUS = "client_status"  # suspend, close, reactivate a client
    INVITE = "invite"  # invite someone, resend an invitation
    TEAM = "team"  # change someone's role
    ACCESS_REMOVE = "access_remove"  # remove someone, revoke an invitation
    PRICING = "pricing"  # the reseller's retail markup rules
    BRANDING = "branding"  # brand, logo, domain and its check


EVERYTHING = frozenset(Action)
ACCESS_ONLY = frozenset({Action.ACCESS_REMOVE})

# What a member may do while its own tenant is in a state: (reseller status, client status);
# reseller people have no client (None).
R_ACTIVE, R_SUSPENDED = Reseller.Status.ACTIVE, Reseller.Status.SUSPENDED
C_ACTIVE, C_SUSPENDED, C_CLOSED = (
    Client.Status.ACTIVE,
    Client.Status.SUSPENDED,
    Client.Status.CLOSED,
)
MEMBER_MAY: Mapping[tuple[str, str | None], frozenset[Action]] = {
    (R_ACTIVE, None): EVERYTHING,
    (R_SUSPENDED, None): ACCESS_ONLY,
    (R_ACTIVE, C_ACTIVE): EVERYTHING,
    (R_ACTIVE, C_SUSPENDED): ACCESS_ONLY,
    (R_ACTIVE, C_CLOSED): ACCESS_ONLY,
    (R_SUSPENDED, C_ACTIVE): ACCESS_ONLY,
    (R_SUSPENDED, C_SUSPENDED): ACCESS_ONLY,
    (R_SUSPENDED, C_CLOSED): ACCESS_ONLY,
}

# What a reseller's people may do *to* one of its clients, by that client's status (on top of
# what their own reseller's status allows).
# Suspended or closed, a client keeps being funded by its reseller (a closed one only up to its
# debt: billing/tenant_wallets.py), keeps its details and its status in its reseller's hands, and
# can lose people; nothing else changes for it.
ON_PAUSED_CLIENT = frozenset(
    {
        Action.TOP_UP,
        Action.PAYMENT_REVERSE,
        Action.CLIENT_EDIT,
        Action.CLIENT_STATUS,
        Action.ACCESS_REMOVE,
    }
)
ON_CLIENT_MAY: Mapping[str, frozenset[Action]] = {
    C_ACTIVE: EVERYTHING,
    C_SUSPENDED: ON_PAUSED_CLIENT,
    C_CLOSED: ON_PAUSED_CLIENT,
}


class TenantPaused(PermissionDenied):
    """Refused because of a tenant's status; the message is a plain sentence for the page."""


def _state(membership: Membership) -> tuple[str, str | None]:
    reseller = Reseller.objects.only("status").get(pk=membership.reseller_id)
    if membership.client_id is None:
        return reseller.status, None
    client = Client.objects.only("status").get(pk=membership.client_id)
    return reseller.status, client.status


def member_paused_message(membership: Membership, reseller_status: str, client_status) -> str:
    if membership.is_reseller:
        return _("Your account is suspended: nothing can be changed until it is reactivated.")
    if reseller_status != R_ACTIVE or client_status in (None, C_ACTIVE):
        return _("Changes and new orders are paused on this account.")
    if client_status == C_CLOSED:
        return _("This account is closed: you can still see its numbers, invoices and wallet.")
    return _("This account is suspended: you can still see its numbers, invoices and wallet.")


def client_paused_message(client: Client, action: Action) -> str:
    status = client.get_status_display().lower()
    if action in (Action.CART, Action.ORDER):
        return _("%(client)s is %(status)s: numbers cannot be bought for it.") % {
            "client": client.name,
            "status": status,
        }
    return _("%(client)s is %(status)s: this cannot be changed until it is reactivated.") % {
        "client": client.name,
        "status": status,
    }


def tenant_action_require(
    *, membership: Membership | None, action: Action, client: Client | None = None
) -> None:
    """Raise ``TenantPaused`` (a PermissionDenied with a plain sentence) unless ``membership``
    may do ``action`` now, given its tenant's status read fresh from the database; with
    ``client``, also unless that client's status lets a reseller's people do it to it.

    ``membership`` None (a platform admin, the system) is not limited here.
    """
    if membership is None:
        return
    reseller_status, client_status = _state(membership)
    if action not in MEMBER_MAY[(reseller_status, client_status)]:
        raise TenantPaused(member_paused_message(membership, reseller_status, client_status))
    if client is not None and membership.is_reseller:
        current = Client.objects.only("name", "status").get(pk=client.pk)
        if action not in ON_CLIENT_MAY[current.status]:
            raise TenantPaused(client_paused_message(current, action))


def client_action_require(*, client: Client, action: Action) -> None:
    """Raise ``TenantPaused`` unless ``client``'s own state (its status and its reseller's,
    read fresh) lets anything be done to ``action`` for it, whoever asks: a cart or an order of
    a paused client is refused for its people, its reseller's people and platform admins alike
    (an order it could not pay for or use)."""
    row = Client.objects.select_related("reseller").only("name", "status", "reseller__status")
    current = row.get(pk=client.pk)
    allowed = MEMBER_MAY[(current.reseller.status, current.status)]
    if action not in allowed:
        if current.reseller.status != R_ACTIVE:
            raise TenantPaused(_("Changes and new orders are paused on this account."))
        raise TenantPaused(client_paused_message(current, action))


def state_allows(reseller_status: str, client_status: str | None, action: Action) -> bool:
    """Whether a tenant in this state may do ``action`` (for objects already loaded)."""
    return action in MEMBER_MAY.get((reseller_status, client_status), ACCESS_ONLY)


def tenant_actions(membership: Membership | None, client: Client | None = None) -> dict:
    """For pages: ``{action name: bool}`` — what the status (not the role) allows right now,
    from the already-loaded membership (no queries). With ``client``, what a reseller's people
    may do to that client."""
    if membership is None:
        return {action.value: True for action in Action}
    client_status = membership.client.status if membership.client_id else None
    allowed = MEMBER_MAY.get((membership.reseller.status, client_status), ACCESS_ONLY)
    if client is not None:
        allowed = allowed & ON_CLIENT_MAY.get(client.status, ACCESS_ONLY)
    return {action.value: action in allowed for action in Action}


def member_is_paused(membership: Membership | None) -> bool:
    """Whether the member's own tenant is not active (the pages show a notice)."""
    if membership is None:
        return False
    client_status = membership.client.status if membership.client_id else None
    return MEMBER_MAY.get((membership.reseller.status, client_status)) != EVERYTHING


@dataclass(frozen=True)
class TenantNotice:
    """The banner a paused tenant's people see on every page."""

    headline: str
    text: str
    contact: str  # an email address to write to, or ""


def tenant_notice(membership: Membership | None) -> TenantNotice | None:
    """What the member's pages say while its tenant is paused (None while active). A client
    of a suspended reseller is told neither why nor by whom: only that changes are paused."""
    if not member_is_paused(membership):
        return None
    reseller = membership.reseller
    if membership.is_reseller:
        return TenantNotice(
            _("Your account is suspended."),
            _(
                "You and your team can see everything, but cannot change anything, and your "
                "clients cannot buy numbers. Your clients' numbers keep working."
            ),
            "",
        )
    contact = reseller.support_email
    if reseller.status != R_ACTIVE:
        return TenantNotice(
            _("Changes and new orders are paused on this account."),
            _("Your numbers keep working."),
            contact,
        )
    if membership.client.status == C_CLOSED:
        return TenantNotice(
            _("This account is closed."),
            _("You can see its numbers, invoices and wallet, but not change them or buy numbers."),
            contact,
        )
    return TenantNotice(
        _("This account is suspended."),
        _("You can see its numbers, invoices and wallet, but not change them or buy numbers."),
        contact,
    )
