import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inventory.models import ProviderAccount

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("providers", *args, stdout=out)
    return out.getvalue()


def test_add_stores_an_account_with_defaults_without_calling_anyone():
    out = run(
        "add", "didfarm", "--name", "farm", "--credential", "api_key=tok", "--countries", "de,gb"
    )
    assert "added farm" in out
    account = ProviderAccount.objects.get(name="farm")
    assert (account.base_url, account.currency, account.rate_limit) == (
        "https://didfarm.com/api/v1", "EUR", "60/minute",
    )  # fmt: skip
    assert account.countries == ["DE", "GB"]
    assert account.credentials == {"api_key": "tok"}


def test_add_with_sandbox_gets_the_simulators_credentials():
    run("add", "pbxme", "--name", "pbx", "--sandbox", "--countries", "US")
    account = ProviderAccount.objects.get(name="pbx")
    assert account.sandbox and set(account.credentials) == {"username", "password"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["idtexpress", "--name", "i", "--credential", "api_key=a"], "api_secret"),
        (["didww", "--name", "d", "--credential", "apikey"], "KEY=VALUE"),
        (["didww", "--name", "d", "--credential", "api_key=a", "--currency", "XYZ"], "currency"),
        (["didww", "--name", "d", "--credential", "api_key=a", "--countries", "ZZ"], "ZZ"),
        (["didww", "--name", "d", "--credential", "api_key=a", "--base-url", "nope"], "URL"),
        (["didww", "--name", "bad name", "--credential", "api_key=a"], "name"),
        (["didww", "--name", "d", "--credential", "api_key=a", "--rate-limit", "fast"], "rate"),
    ],
)
def test_bad_input_is_one_clear_line_and_stores_nothing(args, message):
    with pytest.raises(CommandError) as exc:
        run("add", *args)
    assert message.lower() in str(exc.value).lower()
    assert "\n" not in str(exc.value)
    assert not ProviderAccount.objects.exists()


def test_duplicate_name_is_refused():
    run("add", "didww", "--name", "dw", "--credential", "api_key=a")
    with pytest.raises(CommandError, match="already exists"):
        run("add", "didww", "--name", "dw", "--credential", "api_key=b")


def test_list_json_never_shows_credentials():
    run("add", "didww", "--name", "dw", "--credential", "api_key=super-secret")
    rows = json.loads(run("list", "--json"))
    assert rows[0]["name"] == "dw" and rows[0]["last_sync_status"] == "never"
    assert "super-secret" not in json.dumps(rows)


def test_unknown_account_is_a_clear_error():
    with pytest.raises(CommandError, match="no provider account named 'ghost'"):
        run("sync", "ghost")
