from decimal import Decimal

import pytest

from inventory.accounts import provider_account_create
from inventory.models import City, DidGroup, NanpaPrefix, ProviderAccount, Region, Sku
from inventory.providers.errors import Unavailable
from inventory.providers.types import CoverageRecord, Feature, NumberType
from inventory.providers.types import Sku as SkuRecord
from inventory.sync import CatalogSyncFailed, catalog_sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["copy", "orm"])
def writer(request, monkeypatch):
    """Each test runs with PostgreSQL's COPY writers and with the ORM writer the demo uses."""
    if request.param == "orm":
        from inventory import sync_write

        monkeypatch.setattr(sync_write, "_write_postgres", sync_write._write_orm)
        monkeypatch.setattr(sync_write, "_insert_postgres", sync_write._write_orm)
    return request.param


def us_group(n: int, *, monthly: str = "1.00", npa: str = "212") -> CoverageRecord:
    return CoverageRecord(
        external_id=f"g-{n}",
        country="US",
        number_type=NumberType.LOCAL,
        features=frozenset({Feature.VOICE, Feature.SMS}),
        skus=(SkuRecord("sku-1", Decimal("0.50"), Decimal(monthly), 2),),
        region_code="US-NY",
        region_name="New York",
        city="New York",
        npa=npa,
        nxx=f"{200 + n:03d}",
        area_name=f"New York {npa}-{200 + n}",
        available_count=10,
    )


def gb_group(n: int) -> CoverageRecord:
    return CoverageRecord(
        external_id=f"gb-{n}",
        country="GB",
        number_type=NumberType.LOCAL,
        features=frozenset({Feature.VOICE}),
        skus=(SkuRecord("sku-gb", Decimal("0"), Decimal("1.20")),),
        city="London",
        region_code="GB-ENG",
        area_prefix="20",
        area_name="London",
        available_numbers=("+442079460001", "+442079460002"),
        available_count=2,
    )


@pytest.fixture
def account():
    return provider_account_create(kind="didww", name="dw", credentials={"api_key": "k"})


def test_first_sync_builds_the_catalog(account):
    result = catalog_sync(account=account, records=[us_group(n) for n in range(5)] + [gb_group(1)])
    assert (result.created, result.updated, result.retired) == (6, 0, 0)
    assert result.counts == {
        "countries": 2, "regions": 2, "cities": 2, "prefixes": 5, "groups": 6, "skus": 6,
        "numbers": 2,
    }  # fmt: skip
    group = DidGroup.objects.get(external_id="g-1")
    assert (group.npa, group.nxx, group.region_id, group.city.name) == (
        "212",
        "201",
        "US-NY",
        "New York",
    )
    assert group.voice and group.sms and not group.fax
    assert Region.objects.get(code="US-NY").name == "New York"
    # Reference rows are committed on their own (see sync_places), so count only this test's.
    assert (
        NanpaPrefix.objects.filter(npa="212", nxx__in=["200", "201", "202", "203", "204"]).count()
        == 5
    )
    assert City.objects.filter(name="London", country_id="GB").exists()
    sku = Sku.objects.get(group=group)
    assert (sku.monthly_price, sku.currency, sku.channels) == (Decimal("1.00"), "USD", 2)
    account.refresh_from_db()
    assert account.last_sync_status == "ok" and account.last_sync_counts["groups"] == 6


def test_a_second_unchanged_sync_writes_nothing(account, django_assert_max_num_queries):
    records = [us_group(n) for n in range(50)]
    catalog_sync(account=account, records=records)
    before = list(DidGroup.objects.values_list("id", "synced_at"))
    result = catalog_sync(account=account, records=records)
    assert result.writes == 0
    assert list(DidGroup.objects.values_list("id", "synced_at")) == before


def test_changed_price_updates_only_that_group(account):
    catalog_sync(account=account, records=[us_group(n) for n in range(3)])
    result = catalog_sync(
        account=account, records=[us_group(0), us_group(1, monthly="2.50"), us_group(2)]
    )
    assert (result.created, result.updated) == (0, 1)
    assert Sku.objects.get(group__external_id="g-1").monthly_price == Decimal("2.50")


def test_new_and_changed_groups_in_one_batch_keep_their_own_skus(account):
    """New groups are inserted and changed ones merged, from the same batch."""
    catalog_sync(account=account, records=[us_group(0), us_group(1)])
    records = [us_group(0, monthly="3.00"), us_group(1), us_group(2, monthly="4.00")]
    result = catalog_sync(account=account, records=records)
    assert (result.created, result.updated) == (1, 1)
    prices = dict(Sku.objects.values_list("group__external_id", "monthly_price"))
    assert prices == {"g-0": Decimal("3.00"), "g-1": Decimal("1.00"), "g-2": Decimal("4.00")}
    assert DidGroup.objects.get(external_id="g-2").monthly_price == Decimal("4.00")
    assert catalog_sync(account=account, records=records).writes == 0


def test_groups_no_longer_listed_are_retired_not_deleted(account):
    catalog_sync(account=account, records=[us_group(n) for n in range(3)])
    result = catalog_sync(account=account, records=[us_group(0)])
    assert result.retired == 2
    assert DidGroup.objects.count() == 3
    assert DidGroup.objects.filter(retired_at__isnull=True).count() == 1
    assert result.counts["groups"] == 1 and result.counts["skus"] == 1
    # Listed again: back on sale.
    result = catalog_sync(account=account, records=[us_group(0), us_group(1)])
    assert result.updated == 1
    assert DidGroup.objects.get(external_id="g-1").retired_at is None


def test_a_failed_sync_leaves_the_previous_catalog_intact(account):
    catalog_sync(account=account, records=[us_group(n) for n in range(3)])

    def failing():
        yield us_group(0, monthly="9.99")
        yield us_group(5)
        raise Unavailable("DIDWW had a server error (503)")

    with pytest.raises(CatalogSyncFailed, match="503"):
        catalog_sync(account=account, records=failing())
    assert set(DidGroup.objects.values_list("external_id", flat=True)) == {"g-0", "g-1", "g-2"}
    assert Sku.objects.get(group__external_id="g-0").monthly_price == Decimal("1.00")
    assert not DidGroup.objects.filter(retired_at__isnull=False).exists()
    account.refresh_from_db()
    assert account.last_sync_status == ProviderAccount.SyncStatus.FAILED
    assert "503" in account.last_sync_error


def test_broken_records_are_skipped_not_fatal(account):
    bad = CoverageRecord(
        external_id="", country="US", number_type=NumberType.LOCAL, features=frozenset(), skus=()
    )
    result = catalog_sync(account=account, records=[bad, us_group(1), us_group(1)])
    assert result.skipped == 2  # no id, and a duplicate id
    assert result.counts["groups"] == 1


def test_accounts_do_not_share_groups(account):
    other = provider_account_create(
        kind="idtexpress", name="idt", credentials={"api_key": "a", "api_secret": "b"}
    )
    catalog_sync(account=account, records=[us_group(1)])
    catalog_sync(account=other, records=[us_group(1), us_group(2)])
    assert DidGroup.objects.filter(account=account).count() == 1
    assert DidGroup.objects.filter(account=other).count() == 2
    catalog_sync(account=other, records=[])
    assert DidGroup.objects.get(account=account).retired_at is None
