"""Which tax applies to a charge, and how much, in minor units (issue 13).

An issuer either includes tax in its prices (the default: what the wallet pays is the gross, the
invoice shows the tax inside it) or adds it on top (the wallet pays net + tax, and the charge
posts the tax to the issuer's tax-payable account in the same ledger transaction). EU B2B with a
valid-format VAT id in another member state is reverse charge: no tax, and a note.

Tax is computed per unit and per line, half to even, and an invoice's tax is the sum of its
lines' (never recomputed on the total): the invoice and the ledger agree to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

ZERO = Decimal("0")
HUNDRED = Decimal("100")
# stdnum names Greece "el" in VAT ids and Northern Ireland "xi"; ISO 3166 says GR and GB.
_VAT_PREFIX_COUNTRY = {"el": "GR", "xi": "GB"}
EU_COUNTRIES = frozenset(
    _VAT_PREFIX_COUNTRY.get(code, code.upper()) for code in eu_vat.MEMBER_STATES
) - {"GB"}


@dataclass(frozen=True)
class TaxTerms:
    rate: Decimal = ZERO  # percent
    added: bool = False  # on top of prices (else included in them)
    reverse_charge: bool = False

    @property
    def rate_applied(self) -> Decimal:
        return ZERO if self.reverse_charge else self.rate

    @property
    def adds_tax(self) -> bool:
        """Whether charges post tax on top (to the issuer's tax-payable account)."""
        return self.added and bool(self.rate_applied)


NO_TAX = TaxTerms()


def vat_id_country(vat_id: str) -> str | None:
    """The member state of a VAT id in a valid format (checksum included), else None."""
    try:
        compact = eu_vat.compact(vat_id) if vat_id else ""
    except StdnumError:  # an unknown country prefix
        return None
    if not compact or not eu_vat.is_valid(compact):
        return None
    prefix = compact[:2].lower()
    return _VAT_PREFIX_COUNTRY.get(prefix, prefix.upper())


def is_reverse_charge(*, issuer_country: str, country: str, vat_id: str) -> bool:
    issuer_country, country = (issuer_country or "").upper(), (country or "").upper()
    if issuer_country not in EU_COUNTRIES or country not in EU_COUNTRIES:
        return False
    if country == issuer_country:
        return False
    return vat_id_country(vat_id) == country


def terms_for(profile, *, country: str, vat_id: str) -> TaxTerms:
    """The terms ``profile`` (an IssuerProfile, or None: no tax) applies to a recipient."""
    if profile is None:
        return NO_TAX
    rates = profile.country_tax_rates or {}
    rate = Decimal(str(rates.get((country or "").upper(), profile.tax_rate)))
    return TaxTerms(
        rate=rate,
        added=not profile.prices_include_tax,
        reverse_charge=is_reverse_charge(
            issuer_country=profile.country, country=country, vat_id=vat_id
        ),
    )


def tax_on_top(net_minor: int, terms: TaxTerms) -> int:
    """What is charged on top of ``net_minor`` (0 when tax is included or not due)."""
    if not terms.added or not terms.rate_applied or not net_minor:
        return 0
    return int(
        (Decimal(net_minor) * terms.rate_applied / HUNDRED).to_integral_value(ROUND_HALF_EVEN)
    )


@lru_cache(maxsize=4096)  # a close splits 200,000 lines of a few distinct prices
def split_gross(gross_minor: int, rate: Decimal) -> tuple[int, int]:
    """(net, tax) inside a tax-included ``gross_minor``."""
    if not rate or not gross_minor:
        return gross_minor, 0
    net = int(
        (Decimal(gross_minor) * HUNDRED / (HUNDRED + rate)).to_integral_value(ROUND_HALF_EVEN)
    )
    return net, gross_minor - net
