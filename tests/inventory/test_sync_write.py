import json

from hypothesis import given
from hypothesis import strategies as st

from inventory.sync_write import _json_list

NUMBERISH = st.text(alphabet=st.sampled_from('+0123456789 "\\\x01é\t'), max_size=8)


@given(st.lists(st.one_of(NUMBERISH, st.text(max_size=8)), max_size=4))
def test_numbers_are_written_as_json_dumps_writes_them(values):
    assert _json_list(values) == json.dumps(values)


def test_e164_numbers_take_the_direct_spelling(monkeypatch):
    from inventory import sync_write

    monkeypatch.setattr(sync_write.json, "dumps", None)  # not called for these
    assert _json_list(["+12125550100", "+12125550101"]) == '["+12125550100", "+12125550101"]'
    assert _json_list([]) == "[]"
