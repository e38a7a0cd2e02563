"""PBXme: form-encoded POST API with a login token (`pbxme-did-api.txt`)."""

from ..description import ProviderDescription

PROVIDER = ProviderDescription(
    kind="pbxme",
    label="PBXme",
    adapter="inventory.providers.pbxme.adapter.PbxmeAdapter",
    default_base_url="https://newsip.pbxme.com/api",
    currency="USD",
    rate_limit="",
    credentials=("username", "password"),
    public_credentials=("username",),
    capabilities=frozenset({"pick_number", "forwarding"}),
    billing_cycles=frozenset({"monthly"}),  # numbers bill monthly
    simulator="inventory.sandbox.pbxme.PbxmeSandbox",
    sandbox_credentials={"username": "sandbox", "password": "sandbox-pbxme"},
    sandbox_countries=("US", "GB", "CA"),
)
