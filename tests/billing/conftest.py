from decimal import Decimal

import pytest

from billing.models import MarkupRule
from billing.services import exchange_rate_set
from customers.models import Role
from inventory.accounts import provider_account_create
from inventory.providers.registry import PROVIDERS
from inventory.providers.types import CoverageRecord, Feature, NumberType, Sku
from inventory.sync import catalog_sync
from tests.billing.scripted_provider import ScriptedProvider
from tests.factories import ClientFactory, ResellerFactory, client_member, reseller_member

D = Decimal


def group(ext, country, *, monthly="1.00", setup="0.50", type_=NumberType.LOCAL, **kw):
    return CoverageRecord(
        external_id=ext,
        country=country,
        number_type=type_,
        features=frozenset(kw.pop("features", {Feature.VOICE})),
        skus=(Sku(f"{ext}-sku", D(setup), D(monthly), 2),),
        available_count=kw.pop("stock", 5),
        **kw,
    )


@pytest.fixture
def catalog(db):
    """Two providers in two currencies: USD (didww) and EUR (didfarm), overlapping in NY 212-555."""
    usd = provider_account_create(kind="didww", name="didww-main", sandbox=True, rate_limit="")
    eur = provider_account_create(
        kind="didfarm", name="didfarm-main", sandbox=True, rate_limit="", countries=["US", "DE"]
    )
    ny = {"region_code": "US-NY", "region_name": "New York", "city": "New York"}
    catalog_sync(
        account=usd,
        records=[
            group("us-1", "US", npa="212", nxx="555", monthly="1.00", **ny),
            group("us-2", "US", npa="212", nxx="556", monthly="1.10", **ny),
            group("us-3", "US", npa="718", nxx="201", monthly="0.90", **ny),
            group(
                "us-tx",
                "US",
                npa="512",
                nxx="300",
                region_code="US-TX",
                region_name="Texas",
                city="Austin",
            ),
            group("us-tf", "US", npa="800", type_=NumberType.TOLL_FREE, monthly="2.00"),
            group(
                "gb-ldn",
                "GB",
                area_prefix="20",
                city="London",
                region_code="GB-ENG",
                region_name="England",
            ),
            group(
                "gb-edi",
                "GB",
                area_prefix="131",
                city="Edinburgh",
                region_code="GB-SCT",
                region_name="Scotland",
            ),
        ],
    )
    catalog_sync(
        account=eur,
        records=[
            group(
                "eur-212-555", "US", npa="212", nxx="555", monthly="0.50", **ny
            ),  # cheaper after FX
            group("de-ber", "DE", area_prefix="30", city="Berlin", monthly="0.80"),
            group(
                "de-muc",
                "DE",
                area_prefix="89",
                city="Munich",
                monthly="0.85",
                needs_registration=True,
            ),
        ],
    )
    return {"usd": usd, "eur": eur}


def selling_reseller(*, client_role: str, rates: dict[str, str]) -> dict:
    """Wave Voice (USD) with FX ``rates`` into USD, a price plan (+10% wholesale, +50% retail),
    its client Globex with one person of ``client_role``, and its owner."""
    reseller = ResellerFactory(display_name="Wave Voice", currency="USD")
    for base, rate in rates.items():
        exchange_rate_set(base=base, quote="USD", rate=rate)
    MarkupRule.objects.create(level="wholesale", reseller=reseller, percent=D(10))
    MarkupRule.objects.create(level="retail", reseller=reseller, percent=D(50))
    client = ClientFactory(reseller=reseller, name="Globex")
    return {
        "reseller": reseller,
        "client": client,
        "client_user": client_member(client, client_role).user,
        "owner": reseller_member(reseller).user,
    }


@pytest.fixture
def shop(catalog):
    return {**selling_reseller(client_role=Role.CLIENT_USER, rates={"EUR": "1.10"}), **catalog}


SANDBOX_KINDS = tuple(PROVIDERS)


@pytest.fixture(autouse=True)
def _fresh_sandboxes():
    """Simulators are process-wide per account name: each test starts with new ones."""
    from tests.factories import forget_provider_state

    forget_provider_state()
    yield
    forget_provider_state()


def sandbox_account(kind: str, *, name: str = "", faults: dict | None = None, groups: int = 12):
    """A sandbox account of ``kind`` with the first ``groups`` offers of its real coverage synced
    (the same simulator answers the orders later)."""
    from itertools import islice

    from inventory.accounts import adapter_for

    extra = {"countries": ["US", "GB"]} if PROVIDERS[kind].needs_countries else {}
    account = provider_account_create(
        kind=kind, name=name or f"{kind}-test", sandbox=True, rate_limit="", **extra
    )
    if faults:
        account.sandbox_faults = faults
        account.save(update_fields=["sandbox_faults"])
    records = [r for r in islice(adapter_for(account).coverage(), groups * 3) if r.skus][:groups]
    catalog_sync(account=account, records=records)
    return account


@pytest.fixture
def store(db):
    """A reseller (USD) and its client admin, with FX for every sandbox currency."""
    return selling_reseller(client_role=Role.CLIENT_ADMIN, rates={"EUR": "1.10", "GBP": "1.25"})


@pytest.fixture
def web():
    """An anonymous client that enforces CSRF, as a provider's request would meet it."""
    from django.test import Client

    return Client(enforce_csrf_checks=True)


@pytest.fixture
def didfarm_bare(db):
    """A DIDfarm sandbox account with a webhook secret and no orders."""
    from tests.billing.webhooks_support import SECRET

    return provider_account_create(
        kind="didfarm", name="didfarm-bare", sandbox=True, rate_limit="", webhook_secret=SECRET
    )


@pytest.fixture
def provider(monkeypatch):
    """Every provider call in provisioning answers from a script the test writes."""
    scripted = ScriptedProvider()
    monkeypatch.setattr("billing.provisioning.adapter_for", lambda account: scripted)
    monkeypatch.setattr("billing.provisioning._backoff", lambda attempts: 0)
    return scripted
