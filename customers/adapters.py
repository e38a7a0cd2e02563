from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_str

from .branding import Brand, brand_for_recipient, brand_for_user, mail_sender
from .models import User
from .notifications import site_url
from .roles import home_url_for


@dataclass(frozen=True)
class BrandSite:
    """Stands in for allauth's ``current_site`` in emails, so no email names the platform."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    """People join by invitation only; after login each role lands on its own home; every
    allauth email (password reset, email confirmation, ...) goes out in the recipient's brand."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return home_url_for(request.user)

    # Links in emails are built from SITE_URL, never from the request: the Host header is the
    # sender's to choose (any allowed host), and a reset link to another host hands it the key.
    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return site_url(path.replace("UID-KEY", quote(key)))

    def get_email_confirmation_url(self, request: HttpRequest | None, emailconfirmation) -> str:
        return site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def send_confirmation_mail(self, request: HttpRequest, emailconfirmation, signup: bool) -> None:
        """Someone changing their address to one that already belongs to another account gets
        the same answer as for a free one (no probing), and that account's owner gets no mail:
        it could not be confirmed for them anyway (one account per address)."""
        address = emailconfirmation.email_address
        if _address_of_another_account(address.email, user_id=address.user_id):
            return
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def format_email_subject(self, subject: str) -> str:
        return force_str(subject)  # send_mail names the brand instead of the request's host

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        brand = brand_for_recipient(user=context.get("user"), request=request)
        ctx = {
            "request": request,
            "email": email,
            "brand": brand,
            "current_site": BrandSite(name=str(brand.name), domain=_domain_of(brand)),
            **context,
        }
        message = self.render_mail(template_prefix, email, ctx)
        sender = mail_sender(brand)
        message.subject = f"[{brand.name}] {message.subject}"
        message.from_email = sender.from_email
        message.reply_to = sender.reply_to
        message.send()


def _address_of_another_account(email: str, *, user_id: int) -> bool:
    others = User.objects.filter(email__iexact=email).exclude(pk=user_id)
    verified = EmailAddress.objects.filter(email__iexact=email, verified=True)
    return others.exists() or verified.exclude(user_id=user_id).exists()


def _domain_of(brand: Brand) -> str:
    return brand.domain or urlsplit(settings.SITE_URL).hostname or ""


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        """The name an authenticator app files the code under: the person's brand."""
        user = getattr(allauth_context.request, "user", None)
        if user is not None and user.is_authenticated:
            return str(brand_for_user(user).name)
        return super().get_totp_issuer()

    def can_delete_authenticator(self, authenticator) -> bool:
        """Someone who must use two-factor authentication cannot turn it off (they may still
        regenerate recovery codes, and an admin can reset a lost authenticator)."""
        from .mfa import mfa_required_for

        if authenticator.type == authenticator.Type.TOTP and mfa_required_for(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
