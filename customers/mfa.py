"""Who must use two-factor authentication, and the middleware that sends them to enrol first.

Platform admins and reseller owners must have a TOTP authenticator outside the demo
(``settings.MFA_REQUIRED_FOR_LEADERS``); a reseller's owner may require it of its staff and of its
clients' people (``Reseller.mfa_required_for_staff`` / ``_for_clients``), in the demo too, since
that is the reseller's own choice. Until enrolled, such a person reaches only the account pages
(sign out, MFA enrolment and recovery codes, reauthentication, password): every other page —
the Django admin, owner-only pages, everything else — sends them to the enrolment page. The rule is
per person rather than per page so no page is missed; allauth's login asks the second factor of
everyone enrolled, so an enrolled person's session has passed it.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Membership, User
from .selectors import membership_for_user

# Paths an unenrolled person may still reach: allauth's pages (sign out, enrolment, recovery
# codes, reauthentication, password, email), static files and the brand's assets, the health check.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/brand/", "/healthz", "/favicon.ico")


def mfa_required_for(user: User, membership: Membership | None = None) -> bool:
    """Whether ``user`` must have a TOTP authenticator to use the portal. ``membership`` is the
    user's (looked up when not given; a request passes its own, already loaded)."""
    if not user.is_authenticated:
        return False
    leaders = settings.MFA_REQUIRED_FOR_LEADERS
    if user.is_staff:
        return leaders
    if membership is None:
        membership = membership_for_user(user)
    if not membership:
        return False
    if membership.is_reseller_owner:
        return leaders
    if membership.is_reseller:
        return membership.reseller.mfa_required_for_staff
    return membership.reseller.mfa_required_for_clients


def mfa_enrolled(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def mfa_enrolment_missing(user: User, membership: Membership | None = None) -> bool:
    """True when ``user`` must use two-factor authentication and has not set it up yet."""
    return mfa_required_for(user, membership) and not mfa_enrolled(user)


def enrolment_reason(user: User, membership: Membership | None) -> str:
    if user.is_staff:
        return _("Platform administrators must use two-factor authentication.")
    if membership and membership.is_reseller_owner:
        return _("Account owners must use two-factor authentication.")
    return _("Your organisation requires two-factor authentication.")


class MFAEnrolmentMiddleware:
    """Sends a person who must use two-factor authentication, and has not set it up, to the
    enrolment page. HTMX requests are told to load that page instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and mfa_enrolment_missing(user, getattr(request, "membership", None))
        ):
            return self._to_enrolment(request)
        return self.get_response(request)

    def _to_enrolment(self, request: HttpRequest) -> HttpResponse:
        # The pages on the way (reauthentication, enrolment) say why: see
        # templates/mfa/totp/activate_form.html and templates/account/base_reauthenticate.html.
        url = reverse("mfa_activate_totp")
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
