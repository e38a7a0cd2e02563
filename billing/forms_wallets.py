"""Wallet forms: statement filters, recording a payment, the credit limit."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from customers.validators import SingleLineTextMixin
from portal.forms import DateRangeFilterForm

from .models import PaymentMethod, TransactionKind
from .selectors_wallets import StatementFilters
from .wallets import parse_amount

# uuid4().hex is what the form hands out; anything else did not come from a rendered form.
IDEMPOTENCY_KEY = re.compile(r"^[0-9a-f]{32}$")


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class StatementFilterForm(DateRangeFilterForm):
    """The statement's URL parameters. A bad one is reported and ignored, never a 500."""

    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *TransactionKind.choices]
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput({"type": "search", "placeholder": _("Memo or reference")}),
    )

    def filters(self) -> StatementFilters:
        self.is_valid()  # invalid fields drop out of cleaned_data; the valid ones still apply
        data = self.cleaned_data
        return StatementFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            kind=data.get("kind") or "",
            q=(data.get("q") or "").strip(),
        )


def _amount_field(**kwargs) -> forms.CharField:
    widget = forms.TextInput({"inputmode": "decimal", "autocomplete": "off"})
    return forms.CharField(max_length=20, widget=widget, **kwargs)


class _AmountForm(forms.Form):
    """An amount typed in the wallet's currency, parsed to minor units as ``<name>_minor``."""

    amount_name = "amount"
    allow_zero = False

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        field = self.fields[self.amount_name]
        field.label = format_lazy("{} ({})", field.label, currency)

    def clean(self):
        data = super().clean()
        value = data.get(self.amount_name)
        if value is not None:
            try:
                data[f"{self.amount_name}_minor"] = parse_amount(
                    value, self.currency, field=self.amount_name, allow_zero=self.allow_zero
                )
            except ValidationError as error:
                self.add_error(None, error)  # the error names the field
        return data


class TopUpForm(SingleLineTextMixin, _AmountForm):
    """A payment received outside the portal. The hidden key is made when the form is shown, so
    a double submit (or a retried request) records the payment once."""

    amount = _amount_field(label=_("Amount"))
    method = forms.ChoiceField(label=_("Paid by"), choices=PaymentMethod.choices)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        help_text=_("The transfer's reference, receipt or cheque number."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("Shown on the statement; by default “Payment” and the reference."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, currency=currency, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = new_idempotency_key()

    def clean(self):
        data = super().clean()
        if not IDEMPOTENCY_KEY.fullmatch(data.get("idempotency_key") or ""):
            self.add_error(None, _("This form has expired; please enter the payment again."))
        return data

    def renew_key(self) -> None:
        """A new key for a form shown again with errors: that request recorded nothing, and the
        next submit is a payment of its own."""
        self.data = self.data.copy()
        self.data["idempotency_key"] = new_idempotency_key()


class CreditLimitForm(_AmountForm):
    amount_name = "credit_limit"
    allow_zero = True

    credit_limit = _amount_field(
        label=_("Credit limit"),
        help_text=_("How far below zero the wallet may go; 0 means prepaid only."),
    )


class ReversalForm(SingleLineTextMixin, forms.Form):
    """Why a payment is reversed: the statement shows it beside the reversal."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput({"autocomplete": "off"}),
        help_text=_("Shown on the statement, e.g. “Recorded twice” or “Cheque bounced”."),
    )


class AdminReversalForm(ReversalForm):
    """The admin's: which of the wallet's payments (not reversed yet, newest first) and why."""

    payment = forms.TypedChoiceField(label=_("Payment"), coerce=int)

    field_order = ["payment", "reason"]

    def __init__(self, *args, payments, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payment"].choices = [(txn.pk, label) for txn, label in payments]


class PaymentRejectForm(ReversalForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput({"autocomplete": "off"}),
        help_text=_("Shown to the staff member, e.g. “No transfer received”."),
    )


class StaffPaymentLimitsForm(forms.Form):
    """Both limits in the reseller's currency; 0 means staff may not record payments."""

    per_payment = _amount_field(
        label=_("Limit per payment"),
        help_text=_("A larger payment waits for an owner's approval."),
    )
    per_day = _amount_field(
        label=_("Limit per staff member per day"),
        help_text=_(
            "What one staff member may record in a day (in your time zone) before payments "
            "wait for an owner's approval. 0 in either field: only owners record payments."
        ),
    )

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        for field in self.fields.values():
            field.label = format_lazy("{} ({})", field.label, currency)

    def clean(self):
        data = super().clean()
        for name in ("per_payment", "per_day"):
            if data.get(name) is not None:
                try:
                    data[f"{name}_minor"] = parse_amount(
                        data[name], self.currency, field=name, allow_zero=True
                    )
                except ValidationError as error:
                    self.add_error(None, error)
        return data
