"""Where each role lands after login, and view decorators that admit one kind of member."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .models import User
from .selectors import membership_for_user

View = Callable[..., HttpResponse]


def home_url_for(user: User) -> str:
    if user.is_staff:
        return reverse("admin:index")
    membership = membership_for_user(user)
    if membership is None:
        return reverse("no_access")
    if membership.is_reseller:
        return reverse("reseller_dashboard")
    return reverse("client_dashboard")


def _member_required(test: Callable) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            membership = request.membership
            if not membership or not test(membership):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


reseller_required = _member_required(lambda m: m.is_reseller)
reseller_owner_required = _member_required(lambda m: m.is_reseller_owner)
client_required = _member_required(lambda m: m.is_client)
client_admin_required = _member_required(lambda m: m.is_client_admin)
