"""Number states the provider decides (issue 11): its own block, a confirmed release, and a
release we did not ask for.

Billing moves a number through grace, suspension and ``releasing``; these two come from the
provider's side (a webhook, a status in its listing, the upstream release job) and never touch
money. A provider block is the platform's problem, not the client's: admins are told, and
the renewal job waives the periods that begin while the number is blocked.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from customers.models import User

from .models import Number, NumberStatus
from .models_numbers import HELD


@transaction.atomic
def number_provider_block_set(
    *, number_id: int, blocked: bool, detail: str = "", notify: bool = True
) -> bool:
    """Record that the provider blocked (or unblocked) a number; True when that changed.
    Admins are emailed when a block begins (once: a repeated report changes nothing), unless
    the caller tells them itself (``notify=False``: reconciliation sends one email per run)."""
    number = (
        Number.objects.select_for_update()
        .select_related("provider_account")
        .filter(pk=number_id)
        .first()
    )
    if number is None or number.provider_blocked == blocked:
        return False
    number.provider_blocked = blocked
    number.provider_blocked_since = timezone.now() if blocked else None
    number.save(update_fields=["provider_blocked", "provider_blocked_since"])
    if blocked and notify:
        _admins_tell(
            f"Provider blocked {number.e164} ({number.provider_account.name})",
            f"{number.provider_account.name} reports {number.e164} as blocked. "
            f"The client is not charged for periods that begin while it is blocked.\n{detail}",
        )
    return True


@transaction.atomic
def number_provider_released_report(*, number_id: int, detail: str = "") -> bool:
    """The provider says it released a number the client still holds (we did not ask): admins
    are told; billing is left alone (an admin decides). True when the number was held."""
    number = (
        Number.objects.select_related("provider_account")
        .filter(pk=number_id, status__in=HELD)
        .first()
    )
    if number is None:
        return False
    _admins_tell(
        f"Provider released {number.e164} ({number.provider_account.name})",
        f"{number.provider_account.name} reports {number.e164} as released upstream, but its "
        f"client still holds it here ({number.status}); billing continues until an admin acts."
        f"\n{detail}",
    )
    return True


def _admins_tell(subject: str, body: str) -> None:
    admins = list(
        User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
    )
    if admins:
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, admins))


@transaction.atomic
def number_release_complete(*, number_id: int) -> bool:
    """The provider confirmed the release: ``releasing`` → ``released`` (once)."""
    return bool(
        Number.objects.filter(pk=number_id, status=NumberStatus.RELEASING).update(
            status=NumberStatus.RELEASED
        )
    )
