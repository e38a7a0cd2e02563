"""The tax terms a charge applies, read from the issuers' profiles (one query per issuer;
callers that charge many numbers keep a ``TermsCache``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from customers.models import Client, Reseller

from .models import IssuerProfile
from .tax import NO_TAX, TaxTerms, terms_for


def platform_profile() -> IssuerProfile | None:
    return IssuerProfile.objects.filter(reseller__isnull=True).first()


def reseller_profile(reseller_id: int) -> IssuerProfile | None:
    return IssuerProfile.objects.filter(reseller_id=reseller_id).first()


@dataclass
class TermsCache:
    """Profiles looked up once per run: (client terms, reseller terms) for each charge."""

    profiles: dict[int | None, IssuerProfile | None] = field(default_factory=dict)

    def profile(self, reseller_id: int | None) -> IssuerProfile | None:
        if reseller_id not in self.profiles:
            self.profiles[reseller_id] = (
                platform_profile() if reseller_id is None else reseller_profile(reseller_id)
            )
        return self.profiles[reseller_id]

    def client_terms(self, client: Client) -> TaxTerms:
        """What the reseller adds to its client's charges."""
        return self.client_terms_of(client.reseller_id, client.billing_country, client.tax_id)

    def client_terms_of(self, reseller_id: int, country: str, vat_id: str) -> TaxTerms:
        return terms_for(self.profile(reseller_id), country=country, vat_id=vat_id)

    def reseller_terms(self, reseller: Reseller) -> TaxTerms:
        """What the platform adds to its reseller's charges."""
        return self.reseller_terms_of(reseller.pk)

    def reseller_terms_of(self, reseller_id: int) -> TaxTerms:
        platform = self.profile(None)
        if platform is None:
            return NO_TAX
        own = self.profile(reseller_id)
        country, vat_id = (own.country, own.tax_id) if own else ("", "")
        return terms_for(platform, country=country, vat_id=vat_id)
