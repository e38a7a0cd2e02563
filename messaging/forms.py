from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .texts import BODY_LIMIT


class SendForm(forms.Form):
    to = forms.CharField(
        label=_("To"),
        max_length=40,
        help_text=_("A phone number with its country code, e.g. +31 6 1234 5678."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_LIMIT,
        strip=False,
        help_text=_(
            "Up to %(limit)d characters. Long messages are sent as several SMS (160 plain "
            "characters each, 70 with accents outside the basic set or emoji)."
        )
        % {"limit": BODY_LIMIT},
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": BODY_LIMIT}),
    )


class ForwardingForm(forms.Form):
    email = forms.EmailField(
        label=_("Forward to email"),
        required=False,
        help_text=_("Each text received on your numbers is emailed here. Leave empty for none."),
    )
    url = forms.CharField(
        label=_("Forward to URL"),
        required=False,
        max_length=500,
        help_text=_("Each text is posted here as JSON (https:// only). Leave empty for none."),
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
