"""A client's DIDfarm number with texts, held by the in-process simulator and by our database."""

from __future__ import annotations

import datetime as dt

from inventory.accounts import provider_account_create
from inventory.models import DidGroup, Number, ProviderAccount
from inventory.providers.types import Feature, NumberType
from inventory.sandbox.didfarm_state import Did, now
from inventory.sandbox.faults import simulator_lock
from inventory.sandbox.registry import sandbox_for
from inventory.sync import catalog_sync
from tests.billing.conftest import group
from tests.billing.renewals.helpers import make_number

ACCOUNT = "didfarm-sms"
SECRET = "whsec_sandbox"  # what the DIDfarm simulator signs its webhooks with


def sms_account(*, faults: dict | None = None) -> ProviderAccount:
    account = ProviderAccount.objects.filter(name=ACCOUNT).first()
    if account is None:
        account = provider_account_create(
            kind="didfarm", name=ACCOUNT, sandbox=True, rate_limit="", countries=["NL"],
            webhook_secret=SECRET,
        )  # fmt: skip
        features = {Feature.VOICE, Feature.SMS}
        catalog_sync(
            account=account,
            records=[
                group("nl-sms", "NL", city="Amsterdam", area_prefix="20", features=features),
                group("nl-voice", "NL", city="Utrecht", area_prefix="30"),
            ],
        )
    if faults is not None:
        account.sandbox_faults = faults
        account.save(update_fields=["sandbox_faults"])
    return account


def plant(account: ProviderAccount, *, sms_upstream: bool = True) -> str:
    """A number the simulator's account holds, live (with or without SMS there)."""
    sandbox = sandbox_for("didfarm", account.name)
    with simulator_lock(sandbox):
        # The simulator gives SMS to mobile numbers (and NANP local ones).
        kind = NumberType.MOBILE if sms_upstream else NumberType.LOCAL
        stock = sandbox.stock("NL", kind.value)
        offer = next(o for o in stock.offers if o.sms == sms_upstream)
        stock.take(offer.number)
        sandbox.state.taken.add(offer.number)
        did = Did(sandbox.state.next_id("did", 42), offer, 1, "monthly", {}, now())
        did.status = "active"
        sandbox.state.numbers[did.id] = did
    return offer.number


def sms_number(
    client, *, sms: bool = True, sms_upstream: bool | None = None, faults=None
) -> Number:
    """A client's number at the DIDfarm sandbox; ``sms`` is what our catalog says of its group,
    ``sms_upstream`` what the simulator says (the same unless given)."""
    account = sms_account(faults=faults)
    e164 = plant(account, sms_upstream=sms if sms_upstream is None else sms_upstream)
    number = make_number(client, anchor=dt.date(2027, 1, 15), e164=e164)
    group_of = DidGroup.objects.get(account=account, external_id="nl-sms" if sms else "nl-voice")
    Number.objects.filter(pk=number.pk).update(provider_account=account, group=group_of)
    number.refresh_from_db()
    return number
