"""find_order's full contract: DIDfarm resolves by the reference in checkout metadata and ignores
the request, start time and claimed orders a caller may pass."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.errors import OutcomeUnknown
from inventory.providers.types import OrderRequest
from inventory.sandbox.didfarm import DidfarmSandbox
from inventory.sandbox.faults import FaultConfig, FaultyTransport

from .conftest import KEY, make_config


def test_orders_carry_our_reference() -> None:
    assert "reference" in DidfarmAdapter.capabilities


def test_a_new_process_finds_the_lost_checkout_with_the_new_arguments() -> None:
    sandbox = DidfarmSandbox(credentials={"api_key": KEY})
    faulty = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0, lost_mode="timeout"))
    request = OrderRequest(our_reference="oi-x", group_external_id="NL:local::Amsterdam")
    started = datetime.now(UTC)
    with pytest.raises(OutcomeUnknown):
        DidfarmAdapter(make_config(transport=faulty)).place_order(request)

    elsewhere = DidfarmAdapter(make_config(transport=sandbox.transport()))
    (upstream,) = sandbox.state.orders.values()
    found = elsewhere.find_order(
        "oi-x", request=request, placed_after=started, claimed=frozenset({"999"})
    )
    assert found is not None
    assert (found.external_id, found.our_reference) == (str(upstream.id), "oi-x")
    other = OrderRequest(our_reference="oi-other", group_external_id="NL:local::Amsterdam")
    assert elsewhere.find_order("oi-other", request=other, placed_after=started) is None
    assert len(sandbox.state.orders) == 1
