"""Forms parse and validate input; the services in ``services.py`` do the writing."""

from __future__ import annotations

import zoneinfo
from functools import cache

import phonenumbers
import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from .logos import TOO_LARGE, logo_from_upload
from .models import Client, Reseller, Role
from .services import BRANDING_FIELDS, CLIENT_FIELDS
from .services_domains import claimable_domain
from .validators import SingleLineTextMixin


@cache
def country_choices() -> list[tuple[str, str]]:
    countries = sorted(pycountry.countries, key=lambda c: c.name)
    return [("", _("—"))] + [(c.alpha_2, c.name) for c in countries]


# The IANA areas that name places. Everything else in the database is an alias or a technical
# entry nobody lives in: "localtime", "Factory", "posixrules", "Etc/GMT+5", "US/Eastern", "Cuba".
TIME_ZONE_REGIONS = (
    "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
    "Indian", "Pacific",
)  # fmt: skip


@cache
def time_zone_choices() -> list:
    """UTC, then the geographic zones grouped by region ("Europe" → "Paris"), sorted."""
    groups: dict[str, list[tuple[str, str]]] = {region: [] for region in TIME_ZONE_REGIONS}
    for name in sorted(zoneinfo.available_timezones()):
        region, _slash, place = name.partition("/")
        if region in groups and place:
            groups[region].append((name, place.replace("_", " ").replace("/", " / ")))
    return [("UTC", "UTC")] + [(region, zones) for region, zones in groups.items() if zones]


def phone_to_e164(raw: str, region: str = "") -> str:
    """A phone number typed any common way ("+44 20 7946 0958", "(212) 555-0100" with a US
    billing country) as E.164, or a ValidationError that says what is expected."""
    try:
        number = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a valid phone number, with its country code (e.g. +44 20 7946 0958)."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _vat_country(compact: str) -> str:
    prefix = compact[:2].upper()
    return {"EL": "GR", "XI": "GB"}.get(prefix, prefix)


def _is_eu_vat_country(country: str) -> bool:
    return country != "GB" and country in {_vat_country(c) for c in eu_vat.MEMBER_STATES}


class ClientForm(SingleLineTextMixin, forms.ModelForm):
    billing_country = forms.ChoiceField(
        label=_("Billing country"), choices=country_choices, required=False
    )

    class Meta:
        model = Client
        fields = list(CLIENT_FIELDS)
        widgets = {"billing_address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"

    def clean(self):
        data = super().clean()
        raw = (data.get("phone") or "").strip()
        if raw:
            region = data.get("billing_country") or self.instance.billing_country
            try:
                data["phone"] = phone_to_e164(raw, region)
            except ValidationError as error:
                self.add_error("phone", error)
        vat_id = (data.get("tax_id") or "").strip()
        country = (data.get("billing_country") or "").upper()
        if vat_id and _is_eu_vat_country(country):
            # An EU business's VAT id decides reverse charge on its invoices: check its format
            # (and checksum) here, where it is typed, rather than invoice it wrongly later.
            try:
                compact = eu_vat.compact(vat_id)
            except StdnumError:
                compact = ""
            if not compact or not eu_vat.is_valid(compact) or _vat_country(compact) != country:
                self.add_error(
                    "tax_id",
                    _("Enter the VAT id as issued in the billing country, e.g. DE136695976."),
                )
            else:
                data["tax_id"] = compact
        return data

    def validate_unique(self) -> None:
        # The service checks uniqueness inside its transaction and reports it on "name".
        pass


class ClientSearchForm(SingleLineTextMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Client.Status.choices]
    )
    page = forms.IntegerField(required=False, min_value=1)


class InvitationForm(SingleLineTextMixin, forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles: list[Role], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        self.fields["role"].initial = roles[0].value


class BrandingForm(SingleLineTextMixin, forms.ModelForm):
    # A plain file field: Django's image field accepts every extension Pillow can *write*
    # (".pdf" among them) and any format it can read. ``logo_from_upload`` decides instead.
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 1 MB. It is shown at most 512 pixels wide."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    class Meta:
        model = Reseller
        fields = list(BRANDING_FIELDS)
        widgets = {"accent_colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, logo_too_large: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.logo_too_large = logo_too_large

    def clean_domain(self) -> str:
        domain = self.cleaned_data.get("domain", "")
        if "domain" not in self.changed_data:
            return domain
        return claimable_domain(domain, reseller=self.instance)

    def clean_logo(self):
        if self.logo_too_large:  # the upload handler stopped reading it
            raise ValidationError(TOO_LARGE, code="logo_too_large")
        logo = self.cleaned_data.get("logo")
        if logo and "logo" in self.changed_data:
            return logo_from_upload(logo, name=f"{self.instance.slug or 'brand'}-logo")
        return logo


class AcceptInvitationForm(SingleLineTextMixin, forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput, strip=False
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return data


class ProfileForm(SingleLineTextMixin, forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)


class SecurityPolicyForm(forms.Form):
    staff_required = forms.BooleanField(
        label=_("Require two-factor authentication of our staff"),
        required=False,
    )
    clients_required = forms.BooleanField(
        label=_("Require two-factor authentication of our clients' people"),
        required=False,
        help_text=_("Admins and users of every client you serve."),
    )
