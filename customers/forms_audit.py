"""The filters of a reseller owner's audit log: URL parameters; a bad one is reported and
ignored, never a 500."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.selectors import OWNER_ACTIONS, AuditFilters
from portal.forms import DateRangeFilterForm


class AuditFilterForm(DateRangeFilterForm):
    field_order = ["action", "person", "client", "date_from", "date_to"]
    action = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    client = forms.TypedChoiceField(label=_("Client"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, people, clients, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            ("", _("All")),
            *((a.value, a.label) for a in OWNER_ACTIONS),
        ]
        self.fields["person"].choices = [("", _("Anyone")), *people]
        self.fields["client"].choices = [("", _("All clients")), *clients]

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
