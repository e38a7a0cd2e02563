"""No URL answers 5xx to hostile input, whoever asks, on PostgreSQL and on SQLite (issue 10).

The crawl (tests/hostile_crawl.py) reads the URL configuration, so a new URL is crawled without
being listed here. The suite's database is PostgreSQL; SQLite (the demo's database) is crawled by
a child pytest with ``DATABASE_URL`` pointed at a temporary SQLite file: Django's test database
for SQLite is in memory, so that run needs no server and leaves nothing behind, and one pytest
run in CI covers both databases without skipping anything.
"""

from __future__ import annotations

import hmac
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client as WebClient

from billing.models import MarkupRule, Order
from customers.models import Role
from inventory.accounts import provider_account_create
from tests import hostile_crawl
from tests.factories import (
    ClientFactory,
    InvitationFactory,
    ResellerFactory,
    UserFactory,
    client_member,
    reseller_member,
)

pytestmark = pytest.mark.django_db

SECRET = "whsec_crawl"
ROOT = Path(__file__).resolve().parent.parent


def _world() -> dict:
    reseller = ResellerFactory()
    client = ClientFactory(reseller=reseller)
    owner = reseller_member(reseller, Role.RESELLER_OWNER)
    order = Order.objects.create(
        reference="DH-0000001", client=client, reseller=reseller, idempotency_key="crawl",
        currency="USD", retail_total_minor=0, wholesale_total_minor=0,
    )  # fmt: skip
    rule = MarkupRule.objects.create(level="retail", reseller=reseller, percent=10)
    InvitationFactory(reseller=reseller)
    admin = UserFactory(is_staff=True, is_superuser=True)
    return {
        "order": order,
        "rule": rule,
        "people": {
            "anonymous": None,
            "platform_admin": admin,
            "reseller_owner": owner.user,
            "reseller_staff": reseller_member(reseller, Role.RESELLER_STAFF).user,
            "client_admin": client_member(client, Role.CLIENT_ADMIN).user,
            "client_user": client_member(client, Role.CLIENT_USER).user,
        },
        "real_int": str(client.pk),
    }


def test_no_url_answers_5xx_to_hostile_input_as_any_role():
    if os.environ.get("DIDHUB_CRAWL_CHILD"):
        assert connection.vendor == "sqlite"
    world = _world()
    failures: list[hostile_crawl.Failure] = []
    for role_index, (role, user) in enumerate(world["people"].items()):
        web = WebClient(raise_request_exception=False)
        failures += hostile_crawl.crawl(web, role, user, role_index, world["real_int"])
    report = "\n".join(str(f) for f in failures[:40])
    assert not failures, f"{len(failures)} answers >= 500 on {connection.vendor}:\n{report}"
    assert len(hostile_crawl.crawl_paths(world["real_int"])) > 60


def test_no_webhook_answers_5xx_to_hostile_bodies():
    account = provider_account_create(
        kind="didfarm", name="didfarm-crawl", sandbox=True, rate_limit="", webhook_secret=SECRET
    )
    web = WebClient(raise_request_exception=False)
    failures = hostile_crawl.crawl_webhooks(web, [account.name])
    # signed hostile bodies get past the signature check to the parsing
    for body in hostile_crawl.WEBHOOK_BODIES:
        signature = hmac.new(SECRET.encode(), body, "sha256").hexdigest()
        response = web.post(
            f"/webhooks/providers/{account.name}/", body, content_type="application/json",
            headers={"X-DIDfarm-Signature": signature},
        )  # fmt: skip
        if response.status_code >= 500:
            failures.append(
                hostile_crawl.Failure("provider", "POST", "signed", repr(body[:60]), 500)
            )
    assert not failures, "\n".join(str(f) for f in failures)


def test_the_crawl_finds_no_5xx_on_sqlite_either(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'crawl.sqlite3'}",
        "DIDHUB_CRAWL_CHILD": "1",
    }
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
            f"{__file__}::test_no_url_answers_5xx_to_hostile_input_as_any_role",
            f"{__file__}::test_no_webhook_answers_5xx_to_hostile_bodies",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


@pytest.mark.parametrize("path", ["/orders/", "/numbers/", "/orders/DH-0000001/"])
def test_a_platform_admin_without_membership_is_sent_to_the_administration(client, path):
    _world()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(path)
    assert response.status_code == 403
    assert b'href="/admin/"' in response.content


def test_a_non_numeric_pricing_rule_is_404_and_saves_nothing(client):
    world = _world()
    client.force_login(world["people"]["reseller_owner"])
    for rule in ("abc", hostile_crawl.HUGE, "1e400", "\x00"):
        response = client.post("/reseller/pricing/save/", {"rule": rule, "percent": "99"})
        assert response.status_code == 404
    world["rule"].refresh_from_db()
    assert world["rule"].percent == 10
