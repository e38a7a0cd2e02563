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
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client as WebClient
from django.urls import reverse

from billing import ledger, wallets
from billing.models import MarkupRule, Order
from customers.mfa import ALLOWED_PREFIXES
from customers.models import Membership, Reseller, Role
from inventory.accounts import provider_account_create
from inventory.models import DidGroup
from tests import hostile_crawl
from tests.billing.conftest import catalog, selling_reseller  # noqa: F401 (a fixture)
from tests.billing.orders_helpers import add_to_cart, fund
from tests.customers.mfa_helpers import enrol_totp
from tests.factories import (
    InvitationFactory,
    UserFactory,
    client_member,
    reseller_member,
)

pytestmark = pytest.mark.django_db

SECRET = "whsec_crawl"
ROOT = Path(__file__).resolve().parent.parent


def _world() -> dict:
    """A selling reseller (price plan, FX) over a synced catalog, with a client whose cart holds a
    line, a funded wallet with a payment, an order, an invitation, and one person per role."""
    store = selling_reseller(client_role=Role.CLIENT_ADMIN, rates={"EUR": "1.10"})
    reseller, client = store["reseller"], store["client"]
    owner = Membership.objects.get(user=store["owner"])
    fund(store, client_minor=0)
    group = DidGroup.objects.filter(country="US").order_by("pk").first()
    cart_line = add_to_cart(store, group)
    order = Order.objects.create(
        reference="DH-0000001", client=client, reseller=reseller, idempotency_key="crawl",
        currency="USD", retail_total_minor=0, wholesale_total_minor=0,
    )  # fmt: skip
    rule = MarkupRule.objects.filter(reseller=reseller, level="retail").get()
    staff = reseller_member(reseller, Role.RESELLER_STAFF)
    client_user = client_member(client, Role.CLIENT_USER)
    payment, _created = wallets.wallet_top_up(
        actor=owner.user, membership=owner, wallet=ledger.client_wallet(client), amount_minor=100,
        method="cash", reference="crawl", idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    real_ids = {
        "numbers/browse/<int:pk>": group.pk,
        "cart/<int:item_id>": cart_line.pk,
        "pricing/<int:pk>": rule.pk,
        "reseller/invitations/<int:pk>": InvitationFactory(reseller=reseller).pk,
        "client/invitations/<int:pk>": InvitationFactory(
            reseller=reseller, client=client, role=Role.CLIENT_USER
        ).pk,
        "reseller/members/<int:pk>": staff.pk,
        "team/members/<int:pk>": client_user.pk,
        "payments/<int:txn>": payment.pk,
        "<int:": client.pk,  # the reseller's client pages
    }
    return {
        "order": order,
        "rule": rule,
        "people": {
            "anonymous": None,
            "platform_admin": UserFactory(is_staff=True, is_superuser=True),
            "reseller_owner": owner.user,
            "reseller_staff": staff.user,
            "client_admin": store["client_user"],
            "client_user": client_user.user,
        },
        "real_ids": real_ids,
    }


def _everyone_enrolled_in_mfa(settings, world: dict) -> None:
    """Two-factor authentication required of every role (as production does of leaders, and a
    reseller may of the rest), and everyone enrolled: the crawl passes the enforcement and keeps
    its coverage."""
    settings.MFA_REQUIRED_FOR_LEADERS = True
    Reseller.objects.update(mfa_required_for_staff=True, mfa_required_for_clients=True)
    for user in world["people"].values():
        if user is not None:
            enrol_totp(user)


@pytest.mark.usefixtures("catalog")
def test_no_url_answers_5xx_to_hostile_input_as_any_role(settings):
    if os.environ.get("DIDHUB_CRAWL_CHILD"):
        assert connection.vendor == "sqlite"
    world = _world()
    _everyone_enrolled_in_mfa(settings, world)
    failures: list[hostile_crawl.Failure] = []
    for role_index, (role, user) in enumerate(world["people"].items()):
        web = WebClient(raise_request_exception=False)
        failures += hostile_crawl.crawl(web, role, user, role_index, world["real_ids"])
    report = "\n".join(str(f) for f in failures[:40])
    assert not failures, f"{len(failures)} answers >= 500 on {connection.vendor}:\n{report}"
    assert len(hostile_crawl.crawl_paths(world["real_ids"])) > 60


@pytest.mark.usefixtures("catalog")
def test_a_leader_without_mfa_reaches_only_the_enrolment_and_account_pages(settings):
    """Every URL, as an owner and as a platform admin who must enrol and has not: each answers
    the enrolment redirect or a refusal, or is an account page (allauth's) or an asset; never a
    5xx."""
    settings.MFA_REQUIRED_FOR_LEADERS = True
    world = _world()
    enrolment = reverse("mfa_activate_totp")
    failures, reached = [], []
    for role in ("reseller_owner", "platform_admin"):
        web = WebClient(raise_request_exception=False)
        web.force_login(world["people"][role])
        for path in hostile_crawl.crawl_paths(world["real_ids"]):
            for method in ("get", "post"):
                response = getattr(web, method)(path)
                if response.status_code >= 500:
                    failures.append(f"{role} {method} {path[:80]} -> {response.status_code}")
                elif response.status_code < 400 and response.get("Location") != enrolment:
                    reached.append(path)  # (a 4xx, e.g. NUL in the path, reaches nothing)
            web.force_login(world["people"][role])  # the crawl passes through sign-out
    assert not failures, "\n".join(failures[:40])
    elsewhere = sorted({p for p in reached if not p.startswith(ALLOWED_PREFIXES)})
    assert not elsewhere, elsewhere[:20]
    assert any(p.startswith("/accounts/") for p in reached)


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
@pytest.mark.usefixtures("catalog")
def test_a_platform_admin_without_membership_is_sent_to_the_administration(client, path):
    _world()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(path)
    assert response.status_code == 403
    assert b'href="/admin/"' in response.content


@pytest.mark.usefixtures("catalog")
def test_a_non_numeric_pricing_rule_is_404_and_saves_nothing(client):
    world = _world()
    client.force_login(world["people"]["reseller_owner"])
    for rule in ("abc", hostile_crawl.HUGE, "1e400", "\x00"):
        response = client.post("/reseller/pricing/save/", {"rule": rule, "percent": "99"})
        assert response.status_code == 404
    world["rule"].refresh_from_db()
    assert world["rule"].percent == 50


@pytest.mark.usefixtures("catalog")
def test_nul_or_a_too_wide_integer_in_the_query_is_a_400(client):
    world = _world()
    client.force_login(world["people"]["platform_admin"])
    assert client.get("/admin/billing/order/", {"status": "\x00"}).status_code == 400
    assert client.get("/admin/billing/order/", {"client": hostile_crawl.HUGE}).status_code == 400
    client.force_login(world["people"]["reseller_owner"])
    assert client.get("/orders/", {"client": "-" + hostile_crawl.HUGE}).status_code == 400
    # a phone number or an id is no such thing
    assert client.get("/numbers/", {"q": "+12125550100"}).status_code == 200
    assert client.get("/orders/", {"client": str(2**63 - 1)}).status_code == 200
