"""A number a simulator should hold as if it had been bought from it earlier.

Simulators keep their state in memory, so a restarted sandbox (the demo's) has forgotten the
numbers our database says the platform holds there; suspend, restore, release and routing calls
would then answer "not found". Each simulator's ``adopt(held)`` takes one of these and holds the
number the way its own purchases leave it (``inventory.demo.demo_numbers_plant`` plants the
demo's). A simulator that already holds the number leaves it as it is.

Where the number rang is kept too: ``route`` is the route our database says the provider
confirmed last (``NumberRoute.applied``: ``target``, ``failover``, and ``made``, the provider's
ids that ``route_set`` returned), so the simulator rings it again with the same ids (a
suspension's snapshot and the restore after it name them); a suspended number keeps its
route's records but does not ring them. ``HeldTrunk`` is a client SIP trunk made earlier
(``adopt_trunk``, where the simulator makes trunks for clients), planted before the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import phonenumbers


@dataclass(frozen=True)
class HeldNumber:
    number: str  # E.164
    number_id: str = ""  # the provider's id for it, where known (else the simulator picks one)
    group_id: str = ""  # the provider's group, where known (else found from the number)
    number_type: str = ""  # local | toll_free | mobile | national | shared_cost, where known
    suspended: bool = False  # suspended by us: unrouted, and not renewing where that exists
    created_at: datetime | None = None
    expires_at: datetime | None = None  # the end of the period paid upstream, where known
    monthly_cost: Decimal | None = None  # in the account's currency, where known
    # The confirmed route: {"target": {"kind", "address"}, "failover": {...} | None,
    # "made": {provider ids route_set returned}}; None when it was never routed here.
    route: dict[str, Any] | None = None

    @property
    def targets(self) -> list[dict[str, str]]:
        """The route's targets, the target first, then the failover (none when unrouted)."""
        route = self.route or {}
        return [t for t in (route.get("target"), route.get("failover")) if t]

    @property
    def made(self) -> dict[str, Any]:
        return dict((self.route or {}).get("made") or {})

    @property
    def digits(self) -> str:
        return self.number.removeprefix("+")

    def parts(self) -> tuple[str, str, str]:
        """(ISO country, calling code, national significant number); empty when unparsable."""
        try:
            parsed = phonenumbers.parse(self.number, None)
        except phonenumbers.NumberParseException:
            return "", "", ""
        region = phonenumbers.region_code_for_number(parsed) or ""
        return region, str(parsed.country_code), phonenumbers.national_significant_number(parsed)


@dataclass(frozen=True)
class HeldTrunk:
    """A client SIP trunk the platform made at the provider earlier (see ``HeldNumber``)."""

    external_id: str  # what the provider answered as its id (DIDfarm: the uuid)
    name: str
    username: str = ""
    provider_id: str = ""  # the provider's other id for it, where known (DIDfarm: its id)
