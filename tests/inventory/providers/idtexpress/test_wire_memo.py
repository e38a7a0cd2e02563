"""Nested country, region and fee objects are parsed once per distinct object: the memo must
answer exactly what parsing would, and never remember a broken object."""

from decimal import Decimal

import pytest

from inventory.providers.idtexpress import wire


def test_repeated_objects_parse_as_before():
    raw = {"setup_fee": "1.50", "monthly_fee": 2, "per_minute_rate": None}
    first, again = wire.fees(raw), wire.fees(dict(raw))
    assert first == again == wire.Fees(Decimal("1.50"), Decimal("2"), None)
    # The same value written another way is another object, parsed as itself.
    assert wire.fees({**raw, "setup_fee": "1.5"}).setup_fee.as_tuple() == Decimal("1.5").as_tuple()


def test_a_boolean_is_not_taken_for_a_number_or_the_other_way():
    ok = {"iso": "US", "name": "United States", "has_regions": True, "supports_toll_free": False}
    assert wire.country(ok).has_regions is True
    with pytest.raises(wire.WireError):  # 1 == True in a dict key: not to the parser
        wire.country({**ok, "has_regions": 1})


def test_a_broken_object_is_reported_every_time():
    broken = {"setup_fee": "free", "monthly_fee": "1"}
    for _ in range(2):
        with pytest.raises(wire.WireError):
            wire.fees(broken)
    with pytest.raises(wire.WireError):
        wire.region({"code": " ", "name": "x"})
    with pytest.raises(wire.WireError):
        wire.region({"code": " ", "name": "x"})
