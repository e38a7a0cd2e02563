"""DIDfarm (Connect API, https://didfarm.com/api/v1): exact numbers bought from a wallet."""

from ..description import ProviderDescription

PROVIDER = ProviderDescription(
    kind="didfarm",
    label="DIDfarm",
    adapter="inventory.providers.didfarm.adapter.DidfarmAdapter",
    default_base_url="https://didfarm.com/api/v1",
    currency="EUR",
    rate_limit="60/minute",
    credentials=("api_key",),
    capabilities=frozenset({"pick_number", "trunks", "sms", "callbacks", "reference"}),
    # The order's billing_cycle: "monthly (default), quarterly, or annual" (API reference).
    billing_cycles=frozenset({"monthly", "quarterly", "annual"}),
    webhook="inventory.providers.didfarm.webhooks.RECEIVER",
    simulator="inventory.sandbox.didfarm.DidfarmSandbox",
    sandbox_credentials={"api_key": "sandbox-didfarm-token"},
    sandbox_countries=("US", "GB", "DE", "NL", "FR"),
    sandbox_webhook_secret="whsec_sandbox",
    webhook_url_per_account=True,
)
