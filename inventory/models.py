"""Provider accounts and the coverage catalog synced from them (DESIGN.md §2 and §3)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .crypto import EncryptedJSONField
from .providers.registry import provider_kind_choices

# The registered providers (inventory/providers/registry.py), e.g. ProviderKind.DIDWW == "didww".
# The stored values are the packages' kinds.
ProviderKind = models.TextChoices(
    "ProviderKind",
    [(kind.upper(), (kind, label)) for kind, label in provider_kind_choices()],
)


class NumberType(models.TextChoices):
    LOCAL = "local", _("Local")
    MOBILE = "mobile", _("Mobile")
    NATIONAL = "national", _("National")
    TOLL_FREE = "toll_free", _("Toll-free")
    SHARED_COST = "shared_cost", _("Shared cost")


class ProviderAccount(models.Model):
    class SyncStatus(models.TextChoices):
        NEVER = "never", _("Never synced")
        RUNNING = "running", _("Running")
        OK = "ok", _("OK")
        FAILED = "failed", _("Failed")

    # Choices from the registry, called: a new provider changes no migration.
    kind = models.CharField(max_length=16, choices=provider_kind_choices)
    name = models.SlugField(unique=True, max_length=60)
    base_url = models.URLField(max_length=300)
    currency = models.CharField(max_length=3)
    credentials = EncryptedJSONField(default=dict)
    webhook_secret = EncryptedJSONField(null=True, blank=True)
    rate_limit = models.CharField(
        max_length=40, blank=True, help_text=_('e.g. "20/second" or "60/minute"; empty: none')
    )
    countries = models.JSONField(
        default=list, blank=True, help_text=_("Countries to search (providers without coverage)")
    )
    sandbox = models.BooleanField(
        default=False, help_text=_("Talk to didhub's built-in simulator instead of the provider")
    )
    sandbox_faults = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    balance = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    balance_checked_at = models.DateTimeField(null=True, blank=True)
    low_balance_threshold = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_(
            "In the account's currency. The operations page warns when the balance is below it; "
            "empty: the platform default (setting PROVIDER_LOW_BALANCE_DEFAULT, 50 unless set)."
        ),
    )
    # Clients never see the provider's name, so a trunk's server is shown to them as this host:
    # a name under the platform's domain pointing at the provider's SIP server (a CNAME).
    sip_server_alias = models.CharField(
        _("SIP server shown to clients"),
        max_length=200,
        blank=True,
        help_text=_(
            "For SIP trunks at this account: the host clients register with, a name under your "
            "domain pointing at the provider's SIP server. Empty: clients are told to ask "
            "support for the server, never shown the provider's host."
        ),
    )
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_detail = models.CharField(max_length=300, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_sync_status = models.CharField(
        max_length=10, choices=SyncStatus.choices, default=SyncStatus.NEVER
    )
    last_sync_error = models.TextField(blank=True)
    last_sync_seconds = models.FloatField(null=True, blank=True)
    last_sync_counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Country(models.Model):
    code = models.CharField(max_length=2, primary_key=True)  # ISO 3166-1 alpha-2
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    code = models.CharField(max_length=10, primary_key=True)  # ISO 3166-2, e.g. "US-NY"
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="regions")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="cities")
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="cities"
    )
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["country", "name"]
        verbose_name_plural = "cities"
        constraints = [models.UniqueConstraint("country", "name", name="city_unique_per_country")]

    def __str__(self) -> str:
        return self.name


class NanpaPrefix(models.Model):
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL)
    npa = models.CharField(max_length=3)
    nxx = models.CharField(max_length=3)
    # The exchange's rate centre as the catalog names it for every provider ("Albany"): the
    # first name a provider gave, so two providers' groups of one exchange read the same.
    city = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["npa", "nxx"]
        verbose_name_plural = "NANPA prefixes"
        constraints = [models.UniqueConstraint("npa", "nxx", name="nanpa_prefix_unique")]

    def __str__(self) -> str:
        return f"{self.npa}-{self.nxx}"


class DidGroup(models.Model):
    """One provider account's orderable group of numbers in one area."""

    # No single-column indexes on these keys: the unique (account, external_id) and the area
    # indexes below start with them, and every extra index slows the bulk sync down.
    account = models.ForeignKey(
        ProviderAccount, on_delete=models.CASCADE, related_name="groups", db_index=False
    )
    external_id = models.CharField(max_length=100)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", db_index=False)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.SET_NULL, db_index=False)
    npa = models.CharField(max_length=3, blank=True)
    nxx = models.CharField(max_length=3, blank=True)
    area_prefix = models.CharField(max_length=10, blank=True)
    area_name = models.CharField(max_length=120, blank=True)
    number_type = models.CharField(max_length=12, choices=NumberType.choices)
    # The same area offered by several providers shares this key (within a country), so browsing
    # can show each area once with its best offer.
    area_key = models.CharField(max_length=200, blank=True)
    voice = models.BooleanField(default=True)
    sms = models.BooleanField(default=False)
    fax = models.BooleanField(default=False)
    emergency = models.BooleanField(default=False)
    needs_registration = models.BooleanField(default=False)
    available_count = models.IntegerField(null=True, blank=True)
    available_numbers = models.JSONField(default=list, blank=True)
    # The cheapest SKU's prices, kept on the group so browsing sorts and filters without a join.
    monthly_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    setup_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # A digest of everything synced for the group (SKUs included): equal digest, nothing to write.
    content_hash = models.CharField(max_length=32)
    synced_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("account", "external_id", name="did_group_unique_per_account")
        ]
        indexes = [
            models.Index(
                fields=["country", "number_type"],
                condition=Q(retired_at__isnull=True),
                name="group_live_country_type",
            ),
            models.Index(
                fields=["country", "region", "npa", "nxx"],
                condition=Q(retired_at__isnull=True),
                name="group_live_area",
            ),
            models.Index(
                fields=["country", "city"],
                condition=Q(retired_at__isnull=True),
                name="group_live_city",
            ),
            models.Index(
                fields=["country", "area_key"],
                condition=Q(retired_at__isnull=True),
                name="group_live_area_key",
            ),
            # Cheapest first, per currency (a viewer's price is the price times one rate): the
            # number browser reads a page of best offers by price off these instead of ranking
            # every group of a country or state (inventory.offers.OfferPages).
            models.Index(
                fields=["country", "currency", "monthly_price"],
                condition=Q(retired_at__isnull=True),
                name="group_live_country_price",
            ),
            models.Index(
                fields=["country", "region", "currency", "monthly_price"],
                condition=Q(retired_at__isnull=True),
                name="group_live_region_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_name or self.country_id} {self.get_number_type_display()}"

    @property
    def full_label(self) -> str:
        """The label with its country: "United States · New York (212) 555", "Germany"."""
        country, label = self.country.name, self.label
        return label if label.startswith(country) else f"{country} · {label}"

    @property
    def label(self) -> str:
        """The area as a buyer reads it (needs country, region and city selected)."""
        if self.number_type != NumberType.LOCAL and not self.city_id:
            # "Toll-free (844)", "Mobile, nationwide": words, so in the viewer's language (the
            # stored area name, which sorts rows by area, is the English of the same).
            kind, code = self.get_number_type_display(), self.npa or self.area_prefix
            return f"{kind} ({code})" if code else gettext("%(type)s, nationwide") % {"type": kind}
        if self.area_name:
            return self.area_name
        place = (
            self.city.name
            if self.city_id
            else self.region.name
            if self.region_id
            else self.country.name
        )
        # Labels are made at sync (inventory.sync_names); this is for groups stored without.
        if self.nxx:
            return f"{place} ({self.npa}) {self.nxx}"
        code = self.npa or self.area_prefix
        return f"{place} ({code})" if code else place

    @property
    def features(self) -> list[str]:
        return [name for name in ("voice", "sms", "fax", "emergency") if getattr(self, name)]


class Sku(models.Model):
    # Indexed by the unique (group, external_id) below.
    group = models.ForeignKey(
        DidGroup, on_delete=models.CASCADE, related_name="skus", db_index=False
    )
    external_id = models.CharField(max_length=100)
    setup_price = models.DecimalField(max_digits=12, decimal_places=4)
    monthly_price = models.DecimalField(max_digits=12, decimal_places=4)
    currency = models.CharField(max_length=3)
    channels = models.IntegerField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SKU"
        constraints = [models.UniqueConstraint("group", "external_id", name="sku_unique_per_group")]

    def __str__(self) -> str:
        return f"{self.monthly_price} {self.currency}/month"


# Owned numbers live in their own module; importing them here registers the model.
from .models_numbers import (  # noqa: E402, F401  # noqa: E402, F401
    HELD,
    IN_SERVICE,
    OWING,
    Number,
    NumberStatus,
    StateReason,
)
from .models_routing import Destination, NumberRoute  # noqa: E402, F401
from .models_upstream import UpstreamAction, UpstreamKind, UpstreamState  # noqa: E402, F401
