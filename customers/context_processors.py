from django.http import HttpRequest

from .branding import brand_for_request
from .tenant_status import tenant_actions, tenant_notice


def tenant(request: HttpRequest) -> dict:
    # A lazy object: it stands for None (a platform admin, a visitor) without being None.
    membership = getattr(request, "membership", None) or None
    return {
        "brand": brand_for_request(request),
        "membership": membership,
        # What the tenant's status allows now ({action: bool}); the role is checked apart.
        "tenant_can": tenant_actions(membership),
        "tenant_notice": tenant_notice(membership),
    }
