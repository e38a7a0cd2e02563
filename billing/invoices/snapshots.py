"""Both parties' details as they stand when a document is issued (frozen into it)."""

from __future__ import annotations

from customers.models import Client, Reseller

from .models import IssuerProfile

PLATFORM_NAME = "didhub"


def issuer_snapshot(reseller: Reseller, profile: IssuerProfile | None) -> dict:
    return {
        "name": (profile.legal_name if profile else "") or reseller.name,
        "brand": reseller.display_name or reseller.name,
        "address": profile.address if profile else "",
        "country": profile.country if profile else "",
        "tax_id": profile.tax_id if profile else "",
        "footer": profile.footer if profile else "",
        "email": reseller.support_email,
        "accent": reseller.accent_colour,
    }


def platform_snapshot(profile: IssuerProfile | None) -> dict:
    name = (profile.legal_name if profile else "") or PLATFORM_NAME
    return {
        "name": name,
        "brand": name,
        "address": profile.address if profile else "",
        "country": profile.country if profile else "",
        "tax_id": profile.tax_id if profile else "",
        "footer": profile.footer if profile else "",
        "email": "",
        "accent": "#1f6feb",
    }


def client_snapshot(client: Client) -> dict:
    return {
        "name": client.billing_name or client.name,
        "address": client.billing_address,
        "country": client.billing_country,
        "tax_id": client.tax_id,
        "email": client.contact_email,
    }


def reseller_snapshot(reseller: Reseller, profile: IssuerProfile | None) -> dict:
    return {
        "name": (profile.legal_name if profile else "") or reseller.name,
        "address": profile.address if profile else "",
        "country": profile.country if profile else "",
        "tax_id": profile.tax_id if profile else "",
        "email": reseller.support_email,
    }
