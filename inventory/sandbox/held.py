"""A number a simulator should hold as if it had been bought from it earlier.

Simulators keep their state in memory, so a restarted sandbox (the demo's) has forgotten the
numbers our database says the platform holds there; suspend, restore, release and routing calls
would then answer "not found". Each simulator's ``adopt(held)`` takes one of these and holds the
number the way its own purchases leave it (``inventory.demo.demo_numbers_plant`` plants the
demo's). A simulator that already holds the number leaves it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

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
