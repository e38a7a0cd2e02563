from django.http import HttpRequest

from .branding import brand_for_request


def tenant(request: HttpRequest) -> dict:
    return {
        "brand": brand_for_request(request),
        "membership": getattr(request, "membership", None),
    }
