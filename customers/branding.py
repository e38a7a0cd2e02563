"""Which brand a page wears: the viewer's reseller, else the reseller of the host, else didhub."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from .models import Reseller
from .selectors import reseller_for_domain


@dataclass(frozen=True)
class Brand:
    name: str
    accent_colour: str
    support_email: str
    logo_url: str = ""
    stylesheet_url: str = ""
    reseller_id: int | None = None


PLATFORM_BRAND = Brand(name="didhub", accent_colour="#1f6feb", support_email="")


def brand_for_reseller(reseller: Reseller) -> Brand:
    # The version in the URLs changes whenever the branding is saved, so browsers may cache them.
    version = int(reseller.updated_at.timestamp()) if reseller.updated_at else 0
    return Brand(
        name=reseller.display_name or reseller.name,
        accent_colour=reseller.accent_colour,
        support_email=reseller.support_email,
        logo_url=(reverse("brand_logo", args=[reseller.slug]) + f"?v={version}")
        if reseller.logo
        else "",
        stylesheet_url=reverse("brand_css", args=[reseller.slug]) + f"?v={version}",
        reseller_id=reseller.pk,
    )


def brand_for_request(request: HttpRequest) -> Brand:
    membership = getattr(request, "membership", None)
    if membership:
        return brand_for_reseller(membership.reseller)
    reseller = reseller_for_domain(request.get_host())
    return brand_for_reseller(reseller) if reseller else PLATFORM_BRAND
