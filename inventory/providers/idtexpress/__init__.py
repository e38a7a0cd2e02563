"""IDT Express DID API v1 (``/work/shared/providers/idtexpress-api-v1.txt``)."""

from ..description import ProviderDescription

# IDT's own sandbox, for accounts that test against it: https://sandbox-api.idtexpress.com
PROVIDER = ProviderDescription(
    kind="idtexpress",
    label="IDT Express",
    adapter="inventory.providers.idtexpress.adapter.IdtExpressAdapter",
    default_base_url="https://api.idtexpress.com",
    currency="USD",
    rate_limit="",
    credentials=("api_key", "api_secret"),
    capabilities=frozenset({"coverage_tree", "order_preview", "backorder"}),
    billing_cycles=frozenset({"monthly"}),  # fees are monthly
    simulator="inventory.sandbox.idtexpress.IdtExpressSandbox",
    sandbox_credentials={"api_key": "sandbox-idt-key", "api_secret": "sandbox-idt-secret"},
)
