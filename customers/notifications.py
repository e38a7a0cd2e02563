"""Emails to people, rendered in the sending reseller's brand."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .branding import brand_for_reseller, mail_sender
from .models import Invitation


def site_url(path: str) -> str:
    """The absolute URL of ``path`` for an email: always on SITE_URL, whatever host the request
    that caused the email came in on (a Host header is the sender's to choose)."""
    return settings.SITE_URL + path


def invitation_url(invitation: Invitation) -> str:
    from .services_invitations import invitation_token

    return site_url(reverse("invitation_accept", args=[invitation_token(invitation)]))


def invitation_email_send(*, invitation_id: int) -> bool:
    invitation = (
        Invitation.objects.select_related("reseller", "client", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_open:
        return False  # revoked or accepted before the job ran: nothing to send
    from .services_invitations import invitation_address_taken

    # Decided here, after the inviter had their answer: an address that already has an account
    # gets the invitation with what to do instead of a link it could not use.
    taken = invitation_address_taken(invitation)
    context = {
        "invitation": invitation,
        "brand": invitation.reseller,
        "url": "" if taken else invitation_url(invitation),
        "address_taken": taken,
    }
    subject = render_to_string("customers/email/invitation_subject.txt", context).strip()
    sender = mail_sender(brand_for_reseller(invitation.reseller))
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("customers/email/invitation.txt", context),
        from_email=sender.from_email,
        to=[invitation.email],
        reply_to=sender.reply_to,
    )
    message.attach_alternative(
        render_to_string("customers/email/invitation.html", context), "text/html"
    )
    message.send()
    return True
