"""People and tenants: users, resellers, clients, memberships (roles) and invitations."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour like #1f6feb."))


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Platform admins are ``is_staff``; everyone else has one ``Membership``."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    is_staff = models.BooleanField(_("platform admin"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Reseller(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("company name"), max_length=120)
    slug = models.SlugField(unique=True)
    display_name = models.CharField(
        _("brand name"), max_length=80, help_text=_("Shown to your clients.")
    )
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True)
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#1f6feb", validators=[hex_colour]
    )
    support_email = models.EmailField(_("support email"))
    domain = models.CharField(
        _("portal domain"),
        max_length=253,
        blank=True,
        help_text=_(
            "Optional host name of your own, like portal.example.com: once you have proved it is "
            "yours, people who open it see your brand before they sign in."
        ),
    )
    # The proof a reseller publishes for ``domain`` (see customers/domains.py). A new domain
    # gets a new token and is unverified until the check finds it: until then it has no effect.
    domain_token = models.CharField(max_length=64, blank=True, editable=False)
    domain_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    domain_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    domain_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    currency = models.CharField(_("selling currency"), max_length=3, default="USD")
    order_emails = models.BooleanField(
        _("email us about client orders"),
        default=True,
        help_text=_("Send the support address an email when a client's order completes or fails."),
    )
    # Owners must use two-factor authentication outside the demo (MFA_REQUIRED_FOR_LEADERS); an
    # owner may require it of the rest of its team and of its clients' people as well.
    mfa_required_for_staff = models.BooleanField(
        _("require two-factor authentication of our staff"), default=False
    )
    mfa_required_for_clients = models.BooleanField(
        _("require two-factor authentication of our clients' people"), default=False
    )
    # Renewals: dates (period starts, due times) are in this zone; a period falls due at local
    # midnight. Grace keeps an unpaid number in service, suspension keeps it (out of service)
    # for the client to pay before it is released; both within the platform's caps
    # (settings.RENEWAL_MAX_UNPAID_DAYS, below one upstream period).
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    renewal_grace_days = models.PositiveSmallIntegerField(
        _("grace days"),
        default=3,
        help_text=_("Days an unpaid number keeps working before it is suspended."),
    )
    renewal_suspension_days = models.PositiveSmallIntegerField(
        _("suspension days"),
        default=11,
        help_text=_("Days a suspended number is kept for the client before it is released."),
    )
    release_prorated_credit = models.BooleanField(
        _("credit unused days on early release"),
        default=False,
        help_text=_(
            "When a client releases a number before its paid period ends, credit its wallet "
            "the price of the unused days."
        ),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("domain"), condition=~Q(domain=""), name="reseller_domain_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def verified_domain(self) -> str:
        """The domain, once proved; "" before (an unproved domain must have no effect)."""
        return self.domain if self.domain and self.domain_verified_at else ""


class Client(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="clients")
    name = models.CharField(_("name"), max_length=120)
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    billing_name = models.CharField(_("billing name"), max_length=120, blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    billing_country = models.CharField(_("billing country"), max_length=2, blank=True)
    tax_id = models.CharField(_("tax / VAT id"), max_length=40, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "reseller", Lower("name"), name="client_name_unique_per_reseller"
            )
        ]
        indexes = [models.Index(fields=["reseller", "status"])]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    RESELLER_OWNER = "reseller_owner", _("Reseller owner")
    RESELLER_STAFF = "reseller_staff", _("Reseller staff")
    CLIENT_ADMIN = "client_admin", _("Client admin")
    CLIENT_USER = "client_user", _("Client user")


# Least privilege first: invitation forms offer the first one by default.
RESELLER_ROLES = (Role.RESELLER_STAFF, Role.RESELLER_OWNER)
CLIENT_ROLES = (Role.CLIENT_USER, Role.CLIENT_ADMIN)
# Reseller roles have no client; client roles must have one (memberships and invitations).
CLIENT_MATCHES_ROLE = Q(role__in=[r.value for r in RESELLER_ROLES], client__isnull=True) | Q(
    role__in=[r.value for r in CLIENT_ROLES], client__isnull=False
)


class Membership(models.Model):
    """Gives a user one role in one tenant: a reseller, or a client of that reseller.

    A person works for one organisation here; someone who needs two uses two email addresses.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    reseller = models.ForeignKey(Reseller, on_delete=models.CASCADE, related_name="memberships")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=CLIENT_MATCHES_ROLE,
                name="membership_client_matches_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.client or self.reseller}"

    @property
    def is_reseller(self) -> bool:
        return self.role in RESELLER_ROLES

    @property
    def is_client(self) -> bool:
        return self.role in CLIENT_ROLES

    @property
    def is_reseller_owner(self) -> bool:
        return self.role == Role.RESELLER_OWNER

    @property
    def is_client_admin(self) -> bool:
        return self.role == Role.CLIENT_ADMIN

    @property
    def can_order(self) -> bool:
        """Whether this client (and its reseller) may buy: checkout refuses otherwise, and the
        pages say so before the client gets there."""
        return (
            self.client is not None
            and self.client.status == Client.Status.ACTIVE
            and self.reseller.status == Reseller.Status.ACTIVE
        )


class Invitation(models.Model):
    """An invitation to join a reseller (as staff) or a client. The link carries a signed id."""

    email = models.EmailField()
    reseller = models.ForeignKey(Reseller, on_delete=models.CASCADE, related_name="invitations")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and tenant (a reseller's team, or one client):
            # another tenant inviting the same address neither sees nor blocks this one.
            models.UniqueConstraint(
                Lower("email"),
                "reseller",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True, client__isnull=True),
                name="invitation_one_open_per_email_and_reseller_team",
            ),
            models.UniqueConstraint(
                Lower("email"),
                "client",
                condition=Q(
                    accepted_at__isnull=True, revoked_at__isnull=True, client__isnull=False
                ),
                name="invitation_one_open_per_email_and_client",
            ),
            models.CheckConstraint(
                condition=CLIENT_MATCHES_ROLE,
                name="invitation_client_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def is_open(self) -> bool:
        return self.status == "pending"
