"""Provider accounts: creating them, building their adapters, checking them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.actions import Action
from audit.services import CHANGED, audit_record

from .adapter_pool import POOL
from .models import ProviderAccount
from .providers.errors import ProviderError
from .providers.http import AccountConfig
from .providers.registry import PROVIDERS, adapter_class
from .providers.types import AccountStatus, ProviderAdapter
from .sandbox.registry import sandbox_transport

# Derived from the provider packages' descriptions (inventory/providers/registry.py).
DEFAULT_BASE_URLS = {kind: d.default_base_url for kind, d in PROVIDERS.items()}
DEFAULT_CURRENCIES = {kind: d.currency for kind, d in PROVIDERS.items()}
DEFAULT_RATE_LIMITS = {kind: d.rate_limit for kind, d in PROVIDERS.items()}
REQUIRED_CREDENTIALS = {kind: d.credentials for kind, d in PROVIDERS.items()}
PROVIDER_LABELS = {kind: d.label for kind, d in PROVIDERS.items()}
_RATE = re.compile(r"^\d+\s*/\s*(\d+\s*)?(second|minute|hour|day)s?$")


def _validate_countries(countries: list[str]) -> list[str]:
    codes = []
    for code in countries:
        code = code.strip().upper()
        if not code:
            continue
        if pycountry.countries.get(alpha_2=code) is None:
            raise ValidationError({"countries": f"unknown country code {code!r}"})
        codes.append(code)
    return codes


@transaction.atomic
def provider_account_create(
    *,
    kind: str,
    name: str,
    credentials: dict[str, str] | None = None,
    base_url: str = "",
    currency: str = "",
    countries: list[str] | None = None,
    webhook_secret: str = "",
    rate_limit: str | None = None,
    sandbox: bool = False,
) -> ProviderAccount:
    """Store an account without calling the provider. Sandbox accounts get the simulator's keys."""
    if kind not in REQUIRED_CREDENTIALS:
        raise ValidationError(
            {
                "kind": f"unknown provider kind {kind!r}; choose one of "
                + ", ".join(REQUIRED_CREDENTIALS)
            }
        )
    credentials = dict(credentials or {})
    if sandbox and not credentials:
        credentials = dict(PROVIDERS[kind].sandbox_credentials)
    if sandbox and not webhook_secret:
        webhook_secret = PROVIDERS[kind].sandbox_webhook_secret
    missing = [key for key in REQUIRED_CREDENTIALS[kind] if not credentials.get(key)]
    if missing:
        raise ValidationError(
            {"credentials": f"{PROVIDER_LABELS[kind]} needs the credential(s) {', '.join(missing)}"}
        )
    unknown = sorted(set(credentials) - set(REQUIRED_CREDENTIALS[kind]))
    if unknown:
        raise ValidationError(
            {"credentials": f"{PROVIDER_LABELS[kind]} takes no credential {', '.join(unknown)}"}
        )
    rate_limit = DEFAULT_RATE_LIMITS[kind] if rate_limit is None else rate_limit.strip()
    if rate_limit and not _RATE.match(rate_limit):
        raise ValidationError({"rate_limit": f"not a rate like 20/second: {rate_limit!r}"})
    if ProviderAccount.objects.filter(name=name).exists():
        raise ValidationError({"name": f"an account named {name!r} already exists"})
    account = ProviderAccount(
        kind=kind,
        name=name,
        base_url=(base_url or DEFAULT_BASE_URLS[kind]).rstrip("/"),
        currency=(currency or DEFAULT_CURRENCIES[kind]).upper(),
        credentials=credentials,
        webhook_secret=webhook_secret or None,
        rate_limit=rate_limit,
        countries=_validate_countries(countries or []),
        sandbox=sandbox,
    )
    account.full_clean(exclude=["credentials", "webhook_secret"])
    if pycountry.currencies.get(alpha_3=account.currency) is None:
        raise ValidationError({"currency": f"unknown currency {account.currency!r}"})
    account.save()
    audit_record(
        action=Action.PROVIDER_ACCOUNT_CREATE,
        target=account,
        changes={
            "kind": kind,
            "base_url": account.base_url,
            "sandbox": sandbox,
            # that the secrets were set, never their values
            **{f"credentials.{key}": CHANGED for key in sorted(credentials)},
            **({"webhook_secret": CHANGED} if webhook_secret else {}),
        },
    )
    return account


def account_config(account: ProviderAccount, **overrides: Any) -> AccountConfig:
    transport = (
        sandbox_transport(
            account.kind,
            account.name,
            account.sandbox_faults,
            scale=getattr(settings, "SANDBOX_SCALE", 1),
        )
        if account.sandbox
        else None
    )
    values: dict[str, Any] = {
        "name": account.name,
        "kind": account.kind,
        "base_url": account.base_url,
        "currency": account.currency,
        "credentials": account.credentials,
        "rate_limit": account.rate_limit,
        "rate_limit_storage": settings.RATE_LIMIT_STORAGE_URL,
        "countries": tuple(account.countries),
        "transport": transport,
        "suspended_forward": getattr(settings, "UPSTREAM_SUSPENDED_FORWARD", ""),
    }
    values.update(overrides)
    return AccountConfig(**values)


def adapter_for(account: ProviderAccount, **overrides: Any) -> ProviderAdapter:
    """The account's adapter, pooled per account in this process (``adapter_pool.py``): do not
    close it. With ``overrides`` (tests, one-off transports) a new adapter the caller closes."""
    config = account_config(account, **overrides)
    cls = adapter_class(account.kind)
    if overrides or account.pk is None:
        return cls(config)
    return POOL.get(account.pk, config, lambda: cls(config))


def provider_account_check(*, account: ProviderAccount) -> AccountStatus:
    """Ask the provider whether the credentials work and what the balance is; remember it."""
    try:
        status = adapter_for(account).check()
    except ProviderError as error:
        status = AccountStatus(ok=False, balance=None, currency=account.currency, detail=str(error))
    now = timezone.now()
    fields = {"last_check_ok": status.ok, "last_check_detail": status.detail[:300]}
    if status.ok and status.balance is not None:
        fields.update(balance=Decimal(status.balance), balance_checked_at=now)
    ProviderAccount.objects.filter(pk=account.pk).update(**fields)
    for key, value in fields.items():
        setattr(account, key, value)
    return status


@transaction.atomic
def provider_credentials_reencrypt() -> int:
    """Re-encrypt every account's secrets with the newest key, so older keys can be retired."""
    accounts = list(ProviderAccount.objects.select_for_update())
    for account in accounts:
        account.save(update_fields=["credentials", "webhook_secret"])
    return len(accounts)
