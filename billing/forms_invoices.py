"""Invoice forms: the reseller's invoicing details, a credit note."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .invoices.models import PaperSize
from .money import to_minor

_COUNTRIES = [
    ("", "—"),
    *sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1]),
]


class InvoiceSettingsForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    address = forms.CharField(
        label=_("Address"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    country = forms.ChoiceField(label=_("Country"), choices=_COUNTRIES, required=False)
    tax_id = forms.CharField(label=_("VAT / tax id"), max_length=40, required=False)
    invoice_prefix = forms.RegexField(
        label=_("Invoice prefix"),
        regex=r"^[A-Za-z0-9]{1,12}$",
        error_messages={"invalid": _("Letters and digits only, at most 12.")},
        help_text=_("Invoices are numbered PREFIX-YEAR-000001; credit notes PREFIX-CN-YEAR-…"),
    )
    prices_include_tax = forms.BooleanField(
        label=_("Prices include tax"),
        required=False,
        help_text=_("Unticked, tax is added on top of your prices when a client is charged."),
    )
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    country_tax_rates = forms.CharField(
        label=_("Tax rates by client country"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, a country code and a rate: “DE 19”. Other countries pay the "
                    "rate above."),
    )  # fmt: skip
    footer = forms.CharField(
        label=_("Footer"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    paper_size = forms.ChoiceField(label=_("Paper size"), choices=PaperSize.choices)

    def clean_invoice_prefix(self) -> str:
        return self.cleaned_data["invoice_prefix"].upper()

    def clean_country_tax_rates(self) -> dict[str, str]:
        rates = {}
        known = {code for code, _name in _COUNTRIES if code}
        for n, raw in enumerate(self.cleaned_data["country_tax_rates"].splitlines(), start=1):
            if not raw.strip():
                continue
            parts = raw.replace(":", " ").split()
            try:
                code, rate = parts[0].upper(), Decimal(parts[1].rstrip("%"))
            except (IndexError, InvalidOperation):
                raise ValidationError(
                    _("Line %(n)d: write a country code and a rate, like “DE 19”."),
                    params={"n": n},
                ) from None
            if len(parts) != 2 or code not in known or not 0 <= rate <= 100:
                raise ValidationError(
                    _("Line %(n)d: write a country code and a rate, like “DE 19”."),
                    params={"n": n},
                )
            rates[code] = str(rate.quantize(Decimal("0.01")))
        return rates

    @staticmethod
    def initial_from(profile) -> dict:
        if profile is None:
            return {"invoice_prefix": "INV", "prices_include_tax": True, "tax_rate": 0,
                    "paper_size": PaperSize.A4}  # fmt: skip
        return {
            "legal_name": profile.legal_name, "address": profile.address,
            "country": profile.country, "tax_id": profile.tax_id,
            "invoice_prefix": profile.invoice_prefix,
            "prices_include_tax": profile.prices_include_tax, "tax_rate": profile.tax_rate,
            "country_tax_rates": "\n".join(
                f"{code} {rate}" for code, rate in sorted(profile.country_tax_rates.items())
            ),
            "footer": profile.footer, "paper_size": profile.paper_size,
        }  # fmt: skip


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), max_digits=14)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].help_text = _("In %(currency)s, tax included.") % {
            "currency": currency
        }

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        try:
            return to_minor(amount, self.currency)
        except ValueError:
            raise ValidationError(
                _("Too many decimals for %(c)s."), params={"c": self.currency}
            ) from None
