"""Place names and area labels are normalised once, at sync: every provider's spelling of one area
becomes the same name, label and area key (inventory.sync_names)."""

from decimal import Decimal

import pytest

from inventory.accounts import provider_account_create
from inventory.models import City, DidGroup, NanpaPrefix
from inventory.providers.types import CoverageRecord, Feature, NumberType
from inventory.providers.types import Sku as SkuRecord
from inventory.sync import catalog_sync
from inventory.sync_names import npa_region, place_of, recase


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MARSEILLE", "Marseille"),
        ("Marseille", "Marseille"),
        ("SAARBRÜCKEN", "Saarbrücken"),  # accents kept
        ("NEWCASTLE UPON TYNE", "Newcastle upon Tyne"),
        ("AIX-EN-PROVENCE", "Aix-en-Provence"),
        ("ST. JOHN'S", "St. John's"),
        ("O'FALLON", "O'Fallon"),
        ("fort  wayne", "Fort Wayne"),
        ("McAllen", "McAllen"),  # mixed case is the provider's and kept
    ],
)
def test_one_casing_rule(raw, expected):
    assert recase(raw) == expected


def nanp(**kw) -> CoverageRecord:
    fields = {
        "external_id": "x",
        "country": "US",
        "number_type": NumberType.LOCAL,
        "features": frozenset({Feature.VOICE}),
        "skus": (),
    }
    return CoverageRecord(**(fields | kw))


@pytest.mark.parametrize(
    ("record", "label", "region"),
    [
        # IDT: capitals with the exchange; DIDfarm: "City (NPA-NXX)"-style; DIDWW: the city only.
        (
            nanp(city="AKRON", npa="234", nxx="993", area_name="AKRON (234) 993"),
            "Akron (234) 993",
            "US-OH",
        ),
        (
            nanp(city="New York", npa="332", nxx="721", area_name="New York (332-721)"),
            "New York (332) 721",
            "US-NY",
        ),
        (
            nanp(city="Albany", npa="518", nxx="398", area_name="Albany", region_code="US-NY"),
            "Albany (518) 398",
            "US-NY",
        ),
        # PBXme names no city for most exchanges: the area code's state stands in.
        (nanp(npa="430", nxx="363"), "Texas (430) 363", "US-TX"),
        # 201 is New Jersey's, though a provider (and the geocoder) place 201-631 in New York.
        (
            nanp(city="New York", npa="201", nxx="631", region_code="US-NY"),
            "New Jersey (201) 631",
            "US-NJ",
        ),
        (
            nanp(npa="844", number_type=NumberType.TOLL_FREE, area_name="TOLL FREE (844)"),
            "Toll-free (844)",
            "",
        ),
        (nanp(npa="833", number_type=NumberType.TOLL_FREE), "Toll-free (833)", ""),
        # A shared area code: the exchange says which province.
        (
            nanp(country="CA", npa="902", nxx="367", region_code="CA-PE", city="Charlottetown"),
            "Charlottetown (902) 367",
            "CA-PE",
        ),
    ],
)
def test_nanp_rows_read_one_way_for_every_provider(record, label, region):
    place = place_of(record)
    assert (place.area_name, place.region_code) == (label, region)
    assert place.area_key == f"{record.number_type.value}|{record.npa}|{record.nxx}"


def test_area_codes_belong_to_their_state():
    assert npa_region("201", "US") == "US-NJ"
    assert npa_region("202", "US") == "US-DC"  # "Washington D.C." in the geocoder
    assert npa_region("564", "US") == "US-WA"  # "Washington State"
    assert npa_region("867", "CA") == ""  # shared by three territories: per exchange


def world(country: str, **kw) -> CoverageRecord:
    return nanp(country=country, **kw)


def test_elsewhere_an_area_is_a_city_in_the_countrys_own_names():
    munich = [
        world("DE", city="Munich", area_prefix="89", region_code="DE-BY", area_name="Munich"),
        world("DE", city="MUNICH", area_prefix="89", area_name="MUNICH"),
        world("DE", city="München", area_prefix="89"),
    ]
    places = {place_of(record) for record in munich}
    assert {(p.city, p.area_name, p.area_key) for p in places} == {
        ("München", "München", "local|c:münchen")
    }
    # France's "4" is several cities: the provider's city names the area.
    marseille = {
        place_of(world("FR", city="Marseille", area_prefix="4")).area_key,
        place_of(world("FR", city="MARSEILLE", area_prefix="491")).area_key,
    }
    assert marseille == {"local|c:marseille"}


@pytest.mark.parametrize(
    ("kind", "prefix", "label", "key"),
    [
        (NumberType.MOBILE, "151", "Mobile (151)", "mobile|p:151"),
        (NumberType.TOLL_FREE, "800", "Toll-free (800)", "toll_free|p:800"),
        (NumberType.NATIONAL, "", "National, nationwide", "national|p:"),
    ],
)
def test_numbers_of_no_place_are_areas_of_their_code(kind, prefix, label, key):
    place = place_of(world("DE", number_type=kind, area_prefix=prefix, area_name="TOLL FREE 800"))
    assert (place.area_name, place.area_key, place.region_code) == (label, key, "")


def group(ext: str, **kw) -> CoverageRecord:
    return nanp(
        external_id=ext,
        skus=(SkuRecord(f"{ext}-sku", Decimal(0), Decimal(kw.pop("monthly", "1.00"))),),
        **kw,
    )


@pytest.mark.django_db
def test_a_city_one_provider_places_in_a_region_is_there_for_every_provider():
    capitals = provider_account_create(kind="idtexpress", name="caps", rate_limit="", sandbox=True)
    regions = provider_account_create(kind="didww", name="regions", rate_limit="", sandbox=True)
    # The provider without regions syncs first; the other's region reaches its groups.
    catalog_sync(
        account=capitals, records=[group("b1", country="GB", city="BRISTOL", area_prefix="117")]
    )
    catalog_sync(
        account=regions,
        records=[
            group("b2", country="GB", city="Bristol", area_prefix="117", region_code="GB-ENG")
        ],
    )
    catalog_sync(
        account=capitals, records=[group("b1", country="GB", city="BRISTOL", area_prefix="117")]
    )
    groups = DidGroup.objects.filter(external_id__in=["b1", "b2"])
    assert {(g.region_id, g.city.name, g.area_name, g.area_key) for g in groups} == {
        ("GB-ENG", "Bristol", "Bristol", "local|c:bristol")
    }
    assert City.objects.get(pk=groups[0].city_id).region_id == "GB-ENG"


@pytest.mark.django_db
def test_an_exchange_keeps_the_first_name_a_provider_gave_it():
    first = provider_account_create(kind="didww", name="first", rate_limit="", sandbox=True)
    later = provider_account_create(kind="pbxme", name="later", rate_limit="", sandbox=True)
    catalog_sync(account=first, records=[group("a", city="Albany", npa="518", nxx="398")])
    catalog_sync(account=later, records=[group("p", city="Pine Plains", npa="518", nxx="398")])
    labels = set(DidGroup.objects.filter(npa="518", nxx="398").values_list("area_name", flat=True))
    assert labels == {"Albany (518) 398"}
    assert NanpaPrefix.objects.get(npa="518", nxx="398").city == "Albany"
