"""DIDWW API v3 (JSON:API, 2022-05-10): client, wire shapes, adapter, callback signatures."""

from ..description import ProviderDescription

PROVIDER = ProviderDescription(
    kind="didww",
    label="DIDWW",
    adapter="inventory.providers.didww.adapter.DidwwAdapter",
    default_base_url="https://api.didww.com",
    currency="USD",
    rate_limit="20/second",
    credentials=("api_key",),
    capabilities=frozenset(
        {"coverage_tree", "pick_number", "pick_by_id", "backorder", "callbacks", "reference"}
    ),
    # DIDWW charges a DID every month; billing_cycles_count only limits how many months it
    # renews, it does not prepay a longer period.
    billing_cycles=frozenset({"monthly"}),
    webhook="inventory.providers.didww.webhook.RECEIVER",
    simulator="inventory.sandbox.didww.DidwwSandbox",
    sandbox_credentials={"api_key": "sandbox-didww-key"},
)
