"""Forms for routing (issue #12): a destination to add, a route for one or many numbers."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models_routing import Destination, DestinationKindChoice


class DestinationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), widget=forms.RadioSelect, choices=DestinationKindChoice.choices
    )
    label = forms.CharField(label=_("Name"), max_length=80)
    address = forms.CharField(
        label=_("SIP address or phone number"),
        max_length=200,
        required=False,
        help_text=_("sip:user@host[:port], or a phone number with its country code."),
    )
    account = forms.TypedChoiceField(
        label=_("For which numbers (SIP trunk)"), coerce=int, required=False, choices=[]
    )

    def __init__(self, *args, trunk_accounts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [
            (account.pk, _numbers_label(numbers)) for account, numbers in trunk_accounts
        ]
        if len(trunk_accounts) < 2:
            del self.fields["account"]  # nothing to choose: the one account, or none
        if not trunk_accounts:
            self.fields["kind"].choices = [
                choice
                for choice in DestinationKindChoice.choices
                if choice[0] != DestinationKindChoice.TRUNK
            ]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (DestinationKindChoice.SIP_URI, DestinationKindChoice.PSTN) and not data.get(
            "address"
        ):
            self.add_error("address", _("Enter the SIP address or phone number."))
        return data


def _numbers_label(numbers: list[str]) -> str:
    shown = ", ".join(numbers[:3])
    more = len(numbers) - 3
    return f"{shown} (+{more})" if more > 0 else shown


def _destination_label(destination: Destination) -> str:
    if destination.kind == DestinationKindChoice.TRUNK:
        return f"{destination.label} · {destination.get_kind_display()}"
    return f"{destination.label} · {destination.address}"


class RouteForm(forms.Form):
    destination = forms.ModelChoiceField(
        label=_("Ring"), queryset=Destination.objects.none(), empty_label=None
    )
    failover = forms.ModelChoiceField(
        label=_("If it does not answer, ring"),
        queryset=Destination.objects.none(),
        required=False,
        empty_label=_("No failover"),
    )

    def __init__(self, *args, destinations=None, failover: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the client's own ready destinations: another client's id is "not a valid choice".
        mine = (destinations if destinations is not None else Destination.objects.none()).filter(
            state="ready", deleted_at__isnull=True
        )
        for name in ("destination", "failover"):
            self.fields[name].queryset = mine
            self.fields[name].label_from_instance = _destination_label
        if not failover:
            del self.fields["failover"]

    def clean(self):
        data = super().clean()
        if data.get("failover") and data.get("failover") == data.get("destination"):
            self.add_error("failover", _("The failover must be another destination."))
        return data
