from django.http import HttpRequest

from .branding import brand_for_request
from .mfa import enrolment_reason, mfa_enrolment_missing
from .tenant_status import tenant_actions, tenant_notice


def tenant(request: HttpRequest) -> dict:
    # A lazy object, read only by a template that uses it (an HTMX partial may not): it stands
    # for None (a platform admin, a visitor) without being None.
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
        # Templates call these when they use them: what the tenant's status allows now
        # ({action: bool}; the role is checked apart), and the paused tenant's banner.
        "tenant_can": lambda: tenant_actions(membership or None),
        "tenant_notice": lambda: tenant_notice(membership or None),
        "mfa_enrolment_reason": mfa_enrolment_reason,
    }
