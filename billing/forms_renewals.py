"""Renewal forms: early release, a number's new price, the reseller's renewal settings."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from customers.forms import time_zone_choices

from .renewals.services import RELEASE_AT_PERIOD_END, RELEASE_NOW


class ReleaseForm(forms.Form):
    when = forms.ChoiceField(
        label=_("When"),
        widget=forms.RadioSelect,
        choices=[
            (RELEASE_AT_PERIOD_END, _("At the end of the paid period")),
            (RELEASE_NOW, _("Now")),
        ],
    )

    def __init__(self, *args, paid: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not paid:  # an unpaid period has no end to wait for: never offer it
            self.fields["when"].choices = [(RELEASE_NOW, _("Now"))]
            self.fields["when"].initial = RELEASE_NOW


class NumberPriceForm(forms.Form):
    price = forms.DecimalField(
        label=_("New retail price per period"),
        min_value=0,
        max_digits=12,
        decimal_places=4,
        help_text=_("Enter the current price to withdraw a change not yet applied."),
    )


class RenewalSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_("Renewals fall due at midnight in this time zone."),
    )
    grace_days = forms.IntegerField(
        label=_("Grace days"),
        min_value=0,
        help_text=_("Days an unpaid number keeps working before it is suspended."),
    )
    suspension_days = forms.IntegerField(
        label=_("Suspension days"),
        min_value=0,
        help_text=_("Days a suspended number is kept for the client before it is released."),
    )
    prorated_credit = forms.BooleanField(
        label=_("Credit unused days on early release"),
        required=False,
        help_text=_(
            "When a client releases a number before its paid period ends, credit its wallet "
            "the price of the unused days."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cap = settings.RENEWAL_MAX_UNPAID_DAYS
        for name in ("grace_days", "suspension_days"):
            self.fields[name].widget.attrs["max"] = cap
            self.fields[name].validators.append(MaxValueValidator(cap))
