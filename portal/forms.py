"""Form pieces every app's pages share."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def _date_input() -> forms.DateInput:
    return forms.DateInput({"type": "date"}, "%Y-%m-%d")


class DateRangeFilterForm(forms.Form):
    """A list's From/To filter from URL parameters: an end before the start is a field error
    (the other filters still apply; never a 500)."""

    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Pick a date on or after the start date."))
        return data
