from django.http import HttpRequest

from .branding import brand_for_request
from .mfa import enrolment_reason, mfa_enrolment_missing


def tenant(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)

    def mfa_enrolment_reason() -> str:
        """Why this person must set up two-factor authentication now ("" when they need not);
        called only by the pages on the way to the enrolment."""
        user = request.user
        if user.is_authenticated and mfa_enrolment_missing(user, membership):
            return enrolment_reason(user, membership)
        return ""

    return {
        "brand": brand_for_request(request),
        "membership": membership,
        "mfa_enrolment_reason": mfa_enrolment_reason,
    }
