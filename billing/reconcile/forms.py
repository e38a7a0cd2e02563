"""The admin's form for giving an upstream-only number to a client."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Client

from ..models import BillingCycle

MONEY = {"max_digits": 12, "decimal_places": 4, "min_value": Decimal("0")}


class AssignForm(forms.Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.select_related("reseller").order_by("reseller__name", "name"),
        label=_("Client"),
    )
    billing_cycle = forms.ChoiceField(choices=BillingCycle.choices, initial=BillingCycle.MONTHLY)
    retail_period = forms.DecimalField(
        label=_("Client's price per period (reseller's currency)"), **MONEY
    )
    wholesale_period = forms.DecimalField(
        label=_("Reseller's price per period (reseller's currency)"), **MONEY
    )
    cost_monthly = forms.DecimalField(label=_("Provider's cost per month"), **MONEY)
    description = forms.CharField(max_length=200, required=False)
