"""The audit log's actions: stable dotted codes (stored, filtered on, exported) with a label.

A code never changes once events carry it; a new kind of change gets a new code here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    # money
    PAYMENT_RECORD = "payment.record", _("Payment recorded")
    PAYMENT_SUBMIT = "payment.submit", _("Payment submitted for approval")
    PAYMENT_APPROVE = "payment.approve", _("Payment approved")
    PAYMENT_REJECT = "payment.reject", _("Payment rejected")
    PAYMENT_REVERSE = "payment.reverse", _("Payment reversed")
    PAYMENT_LIMITS_SET = "payment.limits_set", _("Staff payment limits changed")
    CREDIT_LIMIT_SET = "wallet.credit_limit_set", _("Credit limit changed")
    CREDIT_NOTE_ISSUE = "invoice.credit_note", _("Credit note issued")
    INVOICE_SETTINGS_SET = "invoice.settings_set", _("Invoice details changed")
    MARKUP_SAVE = "pricing.markup_save", _("Markup rule saved")
    MARKUP_DELETE = "pricing.markup_delete", _("Markup rule deleted")
    FX_RATE_SET = "pricing.fx_rate_set", _("Exchange rate set")
    # brand and domain
    BRANDING_UPDATE = "branding.update", _("Branding changed")
    DOMAIN_SET = "domain.set", _("Portal domain changed")
    DOMAIN_CHECK_REQUEST = "domain.check_request", _("Domain check requested")
    DOMAIN_VERIFIED = "domain.verified", _("Portal domain verified")
    # people and power
    INVITATION_CREATE = "invitation.create", _("Invitation sent")
    INVITATION_RESEND = "invitation.resend", _("Invitation resent")
    INVITATION_REVOKE = "invitation.revoke", _("Invitation revoked")
    INVITATION_ACCEPT = "invitation.accept", _("Invitation accepted")
    MEMBER_ROLE_SET = "member.role_set", _("Role changed")
    MEMBER_REMOVE = "member.remove", _("Person removed")
    CLIENT_STATUS_SET = "client.status_set", _("Client status changed")
    RESELLER_STATUS_SET = "reseller.status_set", _("Reseller status changed")
    # the platform's own
    PROVIDER_ACCOUNT_CREATE = "provider_account.create", _("Provider account added")
    PROVIDER_ACCOUNT_CHANGE = "provider_account.change", _("Provider account changed")
    PROVIDER_ACCOUNT_DELETE = "provider_account.delete", _("Provider account deleted")
    ORDER_ITEM_RETRY = "order_item.retry", _("Provisioning retried")
    UPSTREAM_RETRY = "upstream.retry", _("Upstream action retried")
    UPSTREAM_DONE = "upstream.done", _("Upstream action done by hand")
    RECONCILE_RELEASE = "reconcile.release", _("Upstream-only number released upstream")
    RECONCILE_ASSIGN = "reconcile.assign", _("Upstream-only number assigned to a client")
    # Releases have no service yet: the one that releases a number records this in its
    # transaction (target=the Number, reseller/client its owner's), like the payments do.
    NUMBER_RELEASE = "number.release", _("Number released")
    NUMBER_PRICE = "number.price", _("Number's retail price changed")
    # routing (issue #12)
    NUMBER_ROUTE = "number.route", _("Number's routing changed")
    DESTINATION_CREATE = "destination.create", _("Call destination added")
    DESTINATION_DELETE = "destination.delete", _("Call destination deleted")
    TRUNK_REVEAL = "destination.trunk_reveal", _("SIP trunk password shown")
    TRUNK_REGENERATE = "destination.trunk_regenerate", _("SIP trunk credentials regenerated")
    ADMIN_CHANGE = "admin.change", _("Changed in the admin")
    ADMIN_DELETE = "admin.delete", _("Deleted in the admin")
