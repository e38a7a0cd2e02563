from __future__ import annotations

import re

import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from inventory.buying import BuyingTerms
from inventory.models import NumberType
from inventory.selectors import NO_REGION

from .models import BillingCycle

SORTS = [
    ("price", _("Price, low to high")),
    ("-price", _("Price, high to low")),
    ("area", _("Area")),
]
FEATURES = [("voice", _("Voice")), ("sms", _("SMS")), ("fax", _("Fax"))]
REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class BrowseForm(forms.Form):
    """The browser's URL parameters. Bad ones are reported and ignored, never a 500."""

    country = forms.CharField(required=False, max_length=2)
    region = forms.CharField(required=False, max_length=6)
    npa = forms.RegexField(
        required=False,
        regex=r"^[2-9]\d\d$",
        error_messages={"invalid": _("An area code has 3 digits.")},
    )
    nxx = forms.RegexField(
        required=False,
        regex=r"^[2-9]\d\d$",
        error_messages={"invalid": _("An exchange has 3 digits.")},
    )
    city = forms.IntegerField(required=False, min_value=1)
    type = forms.ChoiceField(required=False, choices=[("", _("Any type")), *NumberType.choices])
    feature = forms.ChoiceField(required=False, choices=[("", _("Any feature")), *FEATURES])
    sort = forms.ChoiceField(required=False, choices=SORTS)
    page = forms.IntegerField(required=False, min_value=1)
    client = forms.IntegerField(required=False, min_value=1)
    reseller = forms.IntegerField(required=False, min_value=1)
    area = forms.CharField(required=False, max_length=200)

    def clean_country(self) -> str:
        code = self.cleaned_data["country"].strip().upper()
        if code and pycountry.countries.get(alpha_2=code) is None:
            raise ValidationError(_("“%(code)s” is not a country code."), params={"code": code})
        return code

    def clean_region(self) -> str:
        code = self.cleaned_data["region"].strip().upper()
        if code == NO_REGION:  # the country's areas in no region ("Nationwide")
            return code
        if code and not REGION_CODE.match(code):
            raise ValidationError(
                _("“%(code)s” is not a region code like US-NY."), params={"code": code}
            )
        return code

    def clean(self):
        data = super().clean()
        country, region = data.get("country"), data.get("region")
        if region == NO_REGION:
            if not country:
                self.add_error("region", _("Choose a country first."))
        elif region and country and not region.startswith(country + "-"):
            self.add_error("region", _("That region is not in the chosen country."))
        if region and region != NO_REGION and not country and "region" not in self.errors:
            data["country"] = region[:2]
        return data

    def valid_data(self) -> dict:
        """The parameters that passed, with defaults: a bad one does not spoil the others."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        data["sort"] = data.get("sort") or "price"
        return data


class AddToCartForm(forms.Form):
    """A cart line, offering only what the group's provider can deliver (``terms``): its billing
    cycles, its quantity limit, and exact numbers only from its live list (``picks``)."""

    sku = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    billing_cycle = forms.ChoiceField(
        label=_("Billing cycle"), choices=BillingCycle.choices, initial=BillingCycle.MONTHLY
    )
    numbers = forms.MultipleChoiceField(
        label=_("Pick exact numbers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("%(value)s is no longer available; pick another number.")
        },
    )

    def __init__(
        self, *args, terms: BuyingTerms, picks: list[str] | None = None, skus=(), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.terms = terms
        self.fields["numbers"].choices = [(n, n) for n in picks or ()]
        cycles = self.fields["billing_cycle"]
        cycles.choices = [(c, label) for c, label in cycles.choices if c in terms.billing_cycles]
        cycles.error_messages["invalid_choice"] = terms.cycle_problem("")
        self.fields["quantity"].widget.attrs["max"] = terms.quantity_limit
        self.sku_ids = {sku.pk for sku in skus}
        if len(self.sku_ids) == 1:
            self.fields["sku"].initial = next(iter(self.sku_ids))

    def clean_sku(self) -> int:
        if self.cleaned_data["sku"] not in self.sku_ids:
            raise ValidationError(_("Choose one of the offers shown."))
        return self.cleaned_data["sku"]

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        picked = self.data.getlist("numbers") if hasattr(self.data, "getlist") else ()
        if not picked and (problem := self.terms.quantity_problem(quantity)):
            raise ValidationError(problem)  # picks set the quantity themselves
        return quantity

    def clean(self):
        data = super().clean()
        numbers = data.get("numbers") or []
        if numbers:
            data["quantity"] = len(numbers)
        return data


class MarkupRuleForm(forms.ModelForm):
    """A reseller's retail rule. Empty client, country or type means "all"."""

    country = forms.ChoiceField(label=_("Country"), required=False)
    number_type = forms.ChoiceField(
        label=_("Number type"), required=False, choices=[("", _("All types")), *NumberType.choices]
    )

    class Meta:
        from .models import MarkupRule

        model = MarkupRule
        fields = [
            "client", "country", "number_type", "percent", "fixed_setup", "fixed_monthly",
            "min_margin_setup", "min_margin_monthly", "rounding",
        ]  # fmt: skip

    def __init__(self, *args, reseller, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = reseller.clients.order_by("name")
        self.fields["client"].empty_label = _("All clients")
        self.fields["country"].choices = [("", _("All countries"))] + [
            (c.alpha_2, c.name) for c in sorted(pycountry.countries, key=lambda c: c.name)
        ]
        for name in ("fixed_setup", "fixed_monthly", "min_margin_setup", "min_margin_monthly"):
            self.fields[name].widget.attrs["step"] = "0.01"
        self.fields["percent"].widget.attrs["step"] = "0.5"

    def validate_unique(self) -> None:
        pass  # the service merges a rule into an existing one for the same scope
