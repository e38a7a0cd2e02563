from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .. import services_invitations


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def send_invitation(request: HttpRequest, form: forms.Form, *, client=None) -> bool:
    """Invite from a submitted invitation form; True (with a message) when it was sent."""
    if not form.is_valid():
        return False
    try:
        invitation = services_invitations.invitation_create(
            actor=request.membership, client=client, **form.cleaned_data
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return True


def wants_fragment(request: HttpRequest) -> bool:
    """An HTMX request for a page's partial. A history-restore request (after a cache miss)
    wants the whole page back."""
    return bool(request.htmx and not request.htmx.history_restore_request)
