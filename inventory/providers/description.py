"""What didhub knows about one provider, in one place: its package's ``PROVIDER``.

Each provider package (``inventory/providers/<kind>/__init__.py``) declares one
``ProviderDescription``; ``registry.py`` lists the packages. Everything else that used to name the
providers one by one (the model's choices, account defaults, the CLI, the admin form, the sandbox
server and command, the demo, the benches, the webhook endpoint) reads the registry.

The adapter, simulator and webhook receiver are dotted paths, imported when first asked for:
importing the registry (``models.py`` does) must not import httpx clients or simulators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils.module_loading import import_string

# What an adapter may declare it can do (``ProviderDescription.capabilities``).
CAPABILITIES = frozenset(
    {
        "coverage_tree",  # a coverage listing (no countries to configure)
        "pick_number",  # a client may pick exact numbers
        "pick_by_id",  # picks carry the provider's number ids
        "backorder",  # orders may wait upstream for stock
        "order_preview",  # the provider prices an order before it is placed
        "callbacks",  # the provider tells us when an order moves (webhook or callback)
        "reference",  # the provider keeps our reference on an order
        "trunks",  # SIP trunks
        "sms",  # messages
        "forwarding",  # forwarding to a destination
    }
)


@dataclass(frozen=True)
class ProviderDescription:
    kind: str  # the stored value (``ProviderAccount.kind``); never change it once used
    label: str  # shown to staff only: clients never see provider names
    adapter: str  # dotted path of the ``ProviderAdapter`` class
    default_base_url: str
    currency: str  # the account currency when none is given
    rate_limit: str  # a ``limits`` string ("20/second"), "" for none
    credentials: tuple[str, ...]  # the credential keys an account must have, and may have
    capabilities: frozenset[str]
    billing_cycles: frozenset[str]  # of "monthly", "quarterly", "annual": what orders may ask for
    simulator: str  # dotted path of the sandbox class (``inventory/sandbox/``)
    sandbox_credentials: Mapping[str, str]  # what the simulator accepts
    # Credentials that are not secret (shown in the admin form, e.g. a user name).
    public_credentials: tuple[str, ...] = ()
    # Countries to search on a new demo/bench account: providers without a coverage listing
    # ("coverage_tree" absent) search the account's configured countries.
    sandbox_countries: tuple[str, ...] = ()
    # The webhook/callback receiver (``inventory.providers.webhooks.WebhookReceiver``), dotted;
    # "" when the provider sends none.
    webhook: str = ""
    # The secret the simulator signs webhooks with, for providers whose webhook secret is set
    # per account (DIDfarm); "" when the signature uses the credentials (DIDWW) or no webhooks.
    sandbox_webhook_secret: str = ""
    # Whether the provider's webhooks go to one URL configured per account (DIDfarm), rather than
    # a URL we send with each order (DIDWW): the sandbox server then needs that URL.
    webhook_url_per_account: bool = False

    def __post_init__(self) -> None:
        unknown = self.capabilities - CAPABILITIES
        if unknown:
            raise ValueError(f"{self.kind}: unknown capabilities {sorted(unknown)}")
        if not self.billing_cycles or self.billing_cycles - {"monthly", "quarterly", "annual"}:
            raise ValueError(
                f"{self.kind}: billing cycles must be some of monthly/quarterly/annual"
            )
        if set(self.sandbox_credentials) != set(self.credentials):
            raise ValueError(f"{self.kind}: the simulator's credentials are not the required ones")

    @property
    def needs_countries(self) -> bool:
        return "coverage_tree" not in self.capabilities

    @cached_property
    def adapter_class(self) -> type:
        return import_string(self.adapter)

    @cached_property
    def simulator_class(self) -> type:
        return import_string(self.simulator)

    @cached_property
    def webhook_receiver(self) -> Any:
        """The receiver object, or None for a provider that sends no webhooks."""
        return import_string(self.webhook) if self.webhook else None
