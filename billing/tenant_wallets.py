"""The tenant-status guard for wallet writes (customers/tenant_status.py decides; this adds
what only the ledger knows: a closed client's payments may settle its debt, no more)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from customers.models import Client, Membership
from customers.tenant_status import Action, tenant_action_require

from . import ledger
from .models import AccountKind, LedgerAccount
from .money import format_money, from_minor


def wallet_action_require(
    *, membership: Membership | None, wallet: LedgerAccount, action: Action, amount_minor: int = 0
) -> None:
    """Refuse (``TenantPaused``, or a ValidationError on ``amount``) a wallet write the
    tenants' status does not allow. A reseller's own wallet is funded by platform admins, who
    are not limited here."""
    if membership is None or wallet.kind != AccountKind.CLIENT_WALLET:
        return
    client = Client.objects.only("name", "status").get(pk=wallet.client_id)
    tenant_action_require(membership=membership, action=action, client=client)
    if action != Action.TOP_UP or client.status != Client.Status.CLOSED:
        return
    # A closed account has nothing to spend credit on: a payment may only settle what it owes.
    balance = ledger.lock_accounts([wallet])[wallet.pk].balance_minor
    owed = max(0, -balance)
    if owed == 0:
        raise ValidationError(
            {"amount": _("%(client)s is closed and owes nothing.") % {"client": client.name}}
        )
    if amount_minor > owed:
        owed_text = format_money(from_minor(owed, wallet.currency), wallet.currency)
        raise ValidationError({
            "amount": _("%(client)s is closed: record at most what it owes, %(owed)s.")
            % {"client": client.name, "owed": owed_text}
        })  # fmt: skip
