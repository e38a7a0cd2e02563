"""The filters of a reseller owner's audit log: URL parameters; a bad one is reported and
ignored, never a 500."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.selectors import OWNER_ACTIONS, AuditFilters


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    client = forms.TypedChoiceField(label=_("Client"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"}, "%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput({"type": "date"}, "%Y-%m-%d")
    )

    def __init__(self, *args, people, clients, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            ("", _("All")),
            *((a.value, a.label) for a in OWNER_ACTIONS),
        ]
        self.fields["person"].choices = [("", _("Anyone")), *people]
        self.fields["client"].choices = [("", _("All clients")), *clients]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Pick a date on or after the start date."))
        return data

    def filters(self) -> AuditFilters:
        self.is_valid()  # invalid fields drop out; the valid ones still apply
        data = self.cleaned_data
        return AuditFilters(
            action=data.get("action") or "",
            actor_id=data.get("person"),
            client_id=data.get("client"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
        )
