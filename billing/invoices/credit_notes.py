"""Credit notes: the one way to correct an issued invoice (issue 13).

Only the reseller's owner issues one, for an invoice to one of its clients, with a reason and
an amount up to what is still creditable (the invoice's gross less its earlier credit notes).
The amount is booked to the client's wallet as its own ledger transaction (summing to zero:
out of the reseller's revenue, and out of its tax-payable account for the share of tax that
was added on top), and the note is numbered in its own gapless series. A platform admin
credits the platform's invoice to a reseller by the same rules (``platform_credit_note_issue``,
from the admin): into the reseller's wallet, out of the platform's revenue.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import Action as AuditAction
from audit.services import audit_record
from customers.models import Membership, Reseller, User
from customers.tenant_status import Action as TenantAction
from customers.tenant_status import tenant_action_require

from .. import ledger
from ..models import AccountKind, TransactionKind
from ..money import format_minor
from ..renewals.schedule import local_date
from . import charges
from .models import Invoice, IssuerProfile, LineKind, Series
from .numbering import document_number, numbers_take
from .rows import lines_insert
from .snapshots import client_snapshot, issuer_snapshot, platform_snapshot, reseller_snapshot
from .terms import platform_profile


def creditable_minor(invoice: Invoice) -> int:
    credited = invoice.credit_notes.aggregate(total=Sum("gross_minor"))["total"] or 0
    return invoice.gross_minor - credited


def _share(amount: int, part: int, whole: int) -> int:
    if not whole:
        return 0
    return int((Decimal(amount) * part / whole).to_integral_value(ROUND_HALF_EVEN))


def _lines(invoice: Invoice, amount: int, reason: str) -> list[charges.Line]:
    """The credit spread over the invoice's tax rates in proportion to their gross."""
    rows = [r for r in invoice.tax_summary if r["net_minor"] + r["tax_minor"]] or [
        {"rate": "0", "net_minor": invoice.gross_minor, "tax_minor": 0}
    ]
    lines, left = [], amount
    for n, row in enumerate(rows):
        gross_r = row["net_minor"] + row["tax_minor"]
        share = left if n == len(rows) - 1 else _share(amount, gross_r, invoice.gross_minor)
        left -= share
        tax = _share(share, row["tax_minor"], gross_r)
        lines.append(charges.Line(
            f"credit_note:{invoice.pk}:{{number}}:{n}", LineKind.CORRECTION,
            _("Correction of invoice %(number)s: %(reason)s")
            % {"number": invoice.number, "reason": reason},
            1, invoice.period_start, invoice.period_end, Decimal(row["rate"]), share - tax, tax, 0,
        ))  # fmt: skip
    return lines


def credit_note_issue(
    *, actor: Membership, invoice: Invoice, amount_minor: int, reason: str
) -> Invoice:
    """The reseller's owner credits an invoice to one of its clients."""
    if not (actor.is_reseller_owner and invoice.issuer_id == actor.reseller_id):
        raise PermissionDenied
    if invoice.kind != Series.INVOICE or invoice.client_id is None:
        raise ValidationError(_("Only invoices to clients can be credited."))
    client = invoice.client
    tenant_action_require(membership=actor, action=TenantAction.TOP_UP, client=client)
    reseller = actor.reseller
    currency = invoice.currency
    profile = IssuerProfile.objects.filter(reseller=reseller).first()
    # Accounts first, each in its own commit (created inside, two credits could deadlock).
    return _note_issue(
        invoice=invoice, amount_minor=amount_minor, reason=reason, user=actor.user,
        wallet=ledger.client_wallet(client),
        revenue=ledger.reseller_revenue(reseller, currency),
        tax_account=ledger.tax_payable(reseller, currency) if invoice.tax_added_minor else None,
        profile=profile, zone=reseller.time_zone, issuer=reseller,
        issuer_snap=issuer_snapshot(reseller, profile), recipient_snap=client_snapshot(client),
    )  # fmt: skip


def platform_credit_note_issue(
    *, user: User, invoice: Invoice, amount_minor: int, reason: str
) -> Invoice:
    """A platform admin credits the platform's invoice to a reseller: the same rules as a
    reseller's credit to its client, booked to the reseller's wallet out of the platform's
    revenue (and its tax payable for tax added on top)."""
    if not (user.is_active and user.is_staff):
        raise PermissionDenied
    if invoice.kind != Series.INVOICE or invoice.recipient_reseller_id is None:
        raise ValidationError(_("Only the platform's invoices to resellers can be credited."))
    reseller = invoice.recipient_reseller
    currency = invoice.currency
    profile = platform_profile()
    own = IssuerProfile.objects.filter(reseller=reseller).first()
    return _note_issue(
        invoice=invoice, amount_minor=amount_minor, reason=reason, user=user,
        wallet=ledger.reseller_wallet(reseller),
        revenue=ledger.platform_account(AccountKind.PLATFORM_REVENUE, currency),
        tax_account=ledger.tax_payable(None, currency) if invoice.tax_added_minor else None,
        profile=profile, zone=profile.time_zone if profile else "UTC", issuer=None,
        issuer_snap=platform_snapshot(profile), recipient_snap=reseller_snapshot(reseller, own),
    )  # fmt: skip


def _note_issue(
    *, invoice: Invoice, amount_minor: int, reason: str, user: User, wallet, revenue,
    tax_account, profile: IssuerProfile | None, zone: str, issuer: Reseller | None,
    issuer_snap: dict, recipient_snap: dict,
) -> Invoice:  # fmt: skip
    """Check, number, book and write the note (one transaction), audit it, mail it."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the invoice is credited.")})
    if amount_minor <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    currency = invoice.currency
    now = timezone.now()
    with transaction.atomic():
        Invoice.objects.select_for_update().get(pk=invoice.pk)  # one credit at a time
        creditable = creditable_minor(invoice)
        if amount_minor > creditable:
            raise ValidationError({"amount": _("At most %(amount)s can still be credited.")
                                   % {"amount": format_minor(creditable, currency)}})  # fmt: skip
        tax_back = _share(amount_minor, invoice.tax_added_minor, invoice.gross_minor)
        entries = [(wallet, amount_minor), (revenue, -(amount_minor - tax_back))]
        if tax_account is not None and tax_back:
            entries.append((tax_account, -tax_back))
        issue_date = local_date(now, zone)
        (sequence,) = numbers_take(issuer_key=invoice.issuer_key, series=Series.CREDIT_NOTE,
                                   year=issue_date.year, count=1)  # fmt: skip
        number = document_number(
            prefix=profile.invoice_prefix if profile else "INV",
            series=Series.CREDIT_NOTE, year=issue_date.year, sequence=sequence,
        )  # fmt: skip
        recipient_reseller = invoice.recipient_reseller
        tenant = recipient_reseller or issuer
        txn = ledger.ledger_post(
            kind=TransactionKind.CREDIT,
            entries=entries,
            memo=_("Credit note %(number)s") % {"number": number},
            reseller_id=tenant.pk,
            client=invoice.client,
            created_by=user,
        )
        lines = _lines(invoice, amount_minor, reason)
        for line in lines:
            line.source = line.source.format(number=number)
        tax = sum(line.tax_minor for line in lines)
        note = Invoice.objects.create(
            kind=Series.CREDIT_NOTE, issuer_key=invoice.issuer_key, issuer=issuer,
            client=invoice.client, recipient_reseller=recipient_reseller,
            recipient_key=invoice.recipient_key, number=number,
            year=issue_date.year, sequence=sequence, issued_at=now, issue_date=issue_date,
            period_start=invoice.period_start, period_end=invoice.period_end, currency=currency,
            net_minor=amount_minor - tax, tax_minor=tax, gross_minor=amount_minor,
            tax_added_minor=tax_back, reverse_charge=invoice.reverse_charge,
            tax_summary=[{"rate": str(line.tax_rate), "net_minor": line.net_minor,
                          "tax_minor": line.tax_minor} for line in lines],
            issuer_snapshot=issuer_snap, recipient_snapshot=recipient_snap,
            paper_size=invoice.paper_size, corrects=invoice, reason=reason[:300],
            transaction=txn, created_by=user,
        )  # fmt: skip
        lines_insert((note.pk, note.issuer_key, n, line) for n, line in enumerate(lines, 1))
        audit_record(
            action=AuditAction.CREDIT_NOTE_ISSUE,
            target=note,
            target_label=number,
            reseller=tenant,
            client=invoice.client,
            changes={"invoice": invoice.number, "amount_minor": amount_minor, "reason": reason},
        )
        from .delivery import invoices_email_enqueue

        invoices_email_enqueue([note.pk])
    return note
