import pytest
from cryptography.fernet import Fernet
from django.db import connection

from inventory.accounts import provider_credentials_reencrypt
from inventory.models import ProviderAccount

pytestmark = pytest.mark.django_db


def _raw_credentials(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM inventory_provideraccount WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _account(**kw) -> ProviderAccount:
    return ProviderAccount.objects.create(
        kind="didww", name=kw.pop("name", "dw"), base_url="https://api.didww.com",
        currency="USD", credentials={"api_key": "s3cret-key"}, **kw,
    )  # fmt: skip


def test_credentials_are_encrypted_at_rest():
    account = _account()
    raw = _raw_credentials(account.pk)
    assert "s3cret-key" not in raw
    assert ProviderAccount.objects.get(pk=account.pk).credentials == {"api_key": "s3cret-key"}


def test_old_rows_stay_readable_after_a_new_key_is_added(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    account = _account()
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert ProviderAccount.objects.get(pk=account.pk).credentials == {"api_key": "s3cret-key"}

    # Re-encrypting moves every row to the newest key; then the old key can go.
    assert provider_credentials_reencrypt() == 1
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert ProviderAccount.objects.get(pk=account.pk).credentials == {"api_key": "s3cret-key"}


def test_a_missing_key_is_a_clear_configuration_error(settings):
    account = _account()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(Exception, match="FIELD_ENCRYPTION_KEYS"):
        ProviderAccount.objects.get(pk=account.pk)
