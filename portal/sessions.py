"""Idle timeout of signed-in sessions: a session unused for longer than its limit is signed out.

Django's own expiry counts from the session's last save; saving on every request
(SESSION_SAVE_EVERY_REQUEST) would write the session row on every page view. Instead the time of
the last activity is kept in the session and written at most once a minute, and the limit is
checked here on every request, per role: platform admins (is_staff) get the shorter one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LAST_ACTIVITY_KEY = "didhub_last_activity"
# How stale the recorded activity may get before it is written again (seconds).
ACTIVITY_RESOLUTION = 60


def idle_limit_seconds(user) -> int:
    if user.is_staff:
        return settings.ADMIN_SESSION_IDLE_SECONDS
    return settings.SESSION_IDLE_SECONDS


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if isinstance(last, int) and now - last > idle_limit_seconds(user):
                logout(request)  # the request goes on as an anonymous one
                messages.info(request, _("You were signed out after a period of inactivity."))
            elif not isinstance(last, int) or now - last >= ACTIVITY_RESOLUTION:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)
