"""Reading invoices, always scoped to the viewer's tenant: another tenant's document is a 404.

A client's people see their client's invoices and credit notes; a reseller's people see the
ones it issued to its clients and the ones the platform issued to it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from customers.models import Client, Membership

from .models import Invoice, IssuerProfile, Series


def _visible(actor: Membership) -> Q:
    if actor.is_client:
        return Q(client_id=actor.client_id)
    if actor.is_reseller:
        return Q(issuer_id=actor.reseller_id) | Q(recipient_reseller_id=actor.reseller_id)
    raise Http404


def invoice_get(*, actor: Membership, pk: int) -> Invoice:
    found = (
        Invoice.objects.filter(_visible(actor), pk=pk)
        .select_related("corrects", "client", "issuer")
        .first()
    )
    if found is None:
        raise Http404
    return found


def client_invoices(*, actor: Membership) -> QuerySet[Invoice]:
    if not actor.is_client:
        raise Http404
    return Invoice.objects.filter(client_id=actor.client_id).select_related("corrects")


def reseller_client_invoices(*, actor: Membership, client_id: int | None = None):
    """What the reseller issued to its clients (one client's, with ``client_id``)."""
    if not actor.is_reseller:
        raise Http404
    found = Invoice.objects.filter(issuer_id=actor.reseller_id).select_related("client", "corrects")
    if client_id is not None:
        if not Client.objects.filter(pk=client_id, reseller_id=actor.reseller_id).exists():
            raise Http404
        found = found.filter(client_id=client_id)
    return found


def reseller_platform_invoices(*, actor: Membership) -> QuerySet[Invoice]:
    if not actor.is_reseller:
        raise Http404
    return Invoice.objects.filter(recipient_reseller_id=actor.reseller_id)


def creditable(invoice: Invoice, actor: Membership) -> bool:
    """Whether the credit note form is offered for ``invoice`` to ``actor``."""
    return (
        actor.is_reseller_owner
        and invoice.kind == Series.INVOICE
        and invoice.issuer_id == actor.reseller_id
        and invoice.client_id is not None
    )


def issuer_profile_of(*, actor: Membership) -> IssuerProfile | None:
    if not actor.is_reseller:
        raise Http404
    return IssuerProfile.objects.filter(reseller_id=actor.reseller_id).first()
