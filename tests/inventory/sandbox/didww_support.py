"""Helpers shared by the DIDWW simulator tests."""

from __future__ import annotations

import httpx

from inventory.providers.didww.adapter import DidwwAdapter
from inventory.providers.http import AccountConfig
from inventory.providers.types import CoverageRecord
from inventory.sandbox.didww import DidwwSandbox

KEY = "sandbox-didww-key"
BASE = "https://api.didww.com"
HEADERS = {"Api-Key": KEY, "Accept": "application/vnd.api+json"}


def adapter_for(sandbox: DidwwSandbox, *, key: str = KEY, transport=None) -> DidwwAdapter:
    return DidwwAdapter(
        AccountConfig(
            name="sandbox",
            kind="didww",
            base_url=BASE,
            currency="USD",
            credentials={"api_key": key},
            transport=transport or sandbox.transport(),
        )
    )


def make(**kw) -> tuple[DidwwSandbox, DidwwAdapter]:
    sandbox = DidwwSandbox(credentials={"api_key": KEY}, **kw)
    return sandbox, adapter_for(sandbox)


def raw(sandbox: DidwwSandbox, method: str, path: str, **kw) -> httpx.Response:
    client = httpx.Client(transport=sandbox.transport(), base_url=BASE, headers=HEADERS)
    return client.request(method, path, **kw)


def stocked_nxx(sandbox: DidwwSandbox, records: list[CoverageRecord]) -> CoverageRecord:
    """A US NPA-NXX record whose exchange has numbers in stock and needs no registration."""
    for record in records:
        if record.country == "US" and record.nxx:
            nanpa_id = record.external_id.split(":")[1]
            if sandbox.catalog.nanpa_by_id[nanpa_id].pool.stock >= 5:
                return record
    raise AssertionError("no stocked exchange")
