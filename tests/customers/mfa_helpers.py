"""Two-factor authentication in tests, through allauth's own TOTP and recovery-code helpers."""

from __future__ import annotations

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)


def totp_code(secret: str, step: int = 0) -> str:
    """The code an authenticator app shows now (the middle of allauth's accepted window), or
    ``step`` periods away from it (still accepted within MFA_TOTP_TOLERANCE)."""
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2] + step))


def enrol_totp(user) -> str:
    """Give ``user`` a TOTP authenticator and recovery codes, as enrolment does; the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def recovery_codes(user) -> list[str]:
    from allauth.mfa.models import Authenticator

    instance = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(instance).get_unused_codes()
