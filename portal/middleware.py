"""Requests no view can answer sensibly are refused before any view (issue 10)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from .params import BIGINT_MAX


def _unusable(value: str) -> bool:
    """NUL (PostgreSQL refuses it in text) or a whole number wider than 64 bits (SQLite cannot
    bind it, PostgreSQL has no column for it; no id, page or phone number is that long)."""
    if "\x00" in value:
        return True
    digits = value.strip().removeprefix("-")
    return digits.isascii() and digits.isdigit() and len(digits) > 18 and int(digits) > BIGINT_MAX


class RefuseUnusableQueryMiddleware:
    """A NUL byte in the path, or NUL or a too-wide integer in the query string, is a 400.

    Any filter built from such a value (the admin's list filters, a search, an order reference)
    would otherwise end in a DataError or OverflowError, a 500. POSTed forms refuse both already
    (Django's ProhibitNullCharactersValidator; integer fields are bounded where they matter)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            _unusable(key) or any(_unusable(value) for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                _("The address contains a value that is not allowed."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
