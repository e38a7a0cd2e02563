"""Which brand a page or an email wears.

A reseller's people and its clients' people only ever see the reseller's brand: on every page
(signed in, or signed out on the reseller's domain or through one of its invitation links) and on
every email (the From name and the Reply-To are the reseller's). Platform admins see the platform;
anyone else, a neutral brand that names nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .colours import accent_palette
from .models import Invitation, Reseller, User
from .selectors import membership_for_user, reseller_for_domain
from .services_invitations import _INVITATION_SALT as INVITATION_SALT


@dataclass(frozen=True)
class Brand:
    name: str | Promise
    accent_colour: str
    support_email: str
    logo_url: str = ""
    stylesheet_url: str = ""
    reseller_id: int | None = None
    domain: str = ""  # the reseller's own portal host, once it has proved it is its own


# The platform's own name is for platform admins only (their pages and their mail).
PLATFORM_BRAND = Brand(name="didhub", accent_colour="#1f6feb", support_email="")
# Signed-out pages that no reseller can be told from (e.g. the login page on SITE_URL): a
# reseller's client may land there, so they name nobody.
NEUTRAL_BRAND = Brand(name=_("Number portal"), accent_colour="#1f6feb", support_email="")


def brand_for_reseller(reseller: Reseller) -> Brand:
    # The version in the URLs changes whenever the branding is saved, so browsers may cache them.
    version = int(reseller.updated_at.timestamp()) if reseller.updated_at else 0
    return Brand(
        name=reseller.display_name or reseller.name,
        accent_colour=reseller.accent_colour,
        support_email=reseller.support_email,
        logo_url=(reverse("brand_logo", args=[reseller.slug]) + f"?v={version}")
        if reseller.logo
        else "",
        stylesheet_url=reverse("brand_css", args=[reseller.slug]) + f"?v={version}",
        reseller_id=reseller.pk,
        domain=reseller.verified_domain,
    )


def brand_for_user(user: User) -> Brand:
    membership = membership_for_user(user)
    if membership:
        return brand_for_reseller(membership.reseller)
    return PLATFORM_BRAND if user.is_staff else NEUTRAL_BRAND


def brand_for_request(request: HttpRequest) -> Brand:
    membership = getattr(request, "membership", None)
    if membership:
        return brand_for_reseller(membership.reseller)
    reseller = reseller_for_domain(request.get_host())
    if reseller:
        return brand_for_reseller(reseller)
    reset_user = _password_reset_user(request)
    if reset_user is not None:
        return brand_for_user(reset_user)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return PLATFORM_BRAND
    return NEUTRAL_BRAND


def _password_reset_user(request: HttpRequest) -> User | None:
    """The person a valid password-reset link was sent to: the page it opens wears the brand
    of the email that carried it. An invalid link tells nothing about whose it might be."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "account_reset_password_from_key":
        return None
    from allauth.account.forms import UserTokenForm
    from allauth.account.views import INTERNAL_RESET_SESSION_KEY

    key = match.kwargs.get("key", "")
    if key == "set-password":  # allauth moved the key into the session
        key = request.session.get(INTERNAL_RESET_SESSION_KEY, "")
    form = UserTokenForm(data={"uidb36": match.kwargs.get("uidb36", ""), "key": key})
    return form.reset_user if form.is_valid() else None


def brand_for_recipient(*, user: User | None = None, request: HttpRequest | None = None) -> Brand:
    """The brand of an email: the recipient's reseller; for an address with no account yet,
    the brand of the page it was asked for from."""
    if user is not None and user.pk:
        return brand_for_user(user)
    if request is not None:
        brand = brand_for_request(request)
        return NEUTRAL_BRAND if brand is PLATFORM_BRAND else brand
    return NEUTRAL_BRAND


def brand_for_invitation_token(token: str) -> Brand | None:
    """The brand of the reseller that sent an invitation link, even once it has expired or was
    used: the signature (not its age) proves which invitation, so which reseller, it names."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        return None
    invitation = Invitation.objects.select_related("reseller").filter(pk=data.get("i")).first()
    return brand_for_reseller(invitation.reseller) if invitation else None


@dataclass(frozen=True)
class MailSender:
    from_email: str
    reply_to: list[str]


def mail_sender(brand: Brand) -> MailSender:
    """From and Reply-To for an email in ``brand``: the brand's name on the platform's sending
    address (SPF and DKIM stay the platform's), replies to the brand's support address."""
    if brand is PLATFORM_BRAND:
        return MailSender(from_email=settings.DEFAULT_FROM_EMAIL, reply_to=[])
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    name = " ".join(str(brand.name).split())  # no line breaks can reach a header
    return MailSender(
        from_email=str(Address(display_name=name, addr_spec=address)),
        reply_to=[brand.support_email] if brand.support_email else [],
    )


def brand_email(*, brand: Brand, template: str, context: dict, to: list[str]) -> EmailMessage:
    """An email in ``brand`` from ``template``.txt and ``template``_subject.txt: the subject
    prefixed with the brand's name, From and Reply-To as ``mail_sender`` gives them. Its headers
    are checked here (a header that cannot be sent fails before anything goes out)."""
    sender = mail_sender(brand)
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    message = EmailMessage(
        f"[{' '.join(str(brand.name).split())}] {subject}",
        render_to_string(f"{template}.txt", context),
        sender.from_email,
        to,
        reply_to=sender.reply_to,
    )
    message.message()
    return message


def brand_stylesheet(reseller: Reseller) -> str:
    """The reseller's colours as CSS variables, with the text colours that keep them readable:
    ``--on-accent`` for text on accent buttons, ``--accent-ink`` for the accent used as text."""
    palette = accent_palette(reseller.accent_colour)
    return (
        f":root {{ --accent: {palette.accent}; --on-accent: {palette.on_accent}; "
        f"--accent-ink: {palette.ink}; }}\n"
    )
