"""A reseller owner's audit log: its own tenant's events only, filtered, paginated and
exported as a formula-safe CSV; staff and clients are refused."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.actions import Action
from audit.services import audit_record
from billing import ledger, wallets
from customers import services_invitations
from customers.models import Role
from tests.factories import ClientFactory, ResellerFactory, client_member, reseller_member

PAGE = reverse("reseller:audit_log")
CSV = reverse("reseller:audit_log_csv")


@pytest.fixture
def tenants(db):
    a, b = ResellerFactory(), ResellerFactory()
    return {
        "a": a,
        "owner_a": reseller_member(a, Role.RESELLER_OWNER, email="owner@a.example"),
        "staff_a": reseller_member(a, Role.RESELLER_STAFF, email="staff@a.example"),
        "acme": ClientFactory(reseller=a, name="Acme"),
        "zeta": ClientFactory(reseller=a, name="Zeta"),
        "owner_b": reseller_member(b, Role.RESELLER_OWNER, email="owner@b.example"),
        "bravo": ClientFactory(reseller=b, name="Bravo"),
    }


def pay(member, client, minor: int, reference: str) -> None:
    wallets.wallet_top_up(
        actor=member.user, membership=member, wallet=ledger.client_wallet(client),
        amount_minor=minor, method="bank_transfer", reference=reference,
        idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip


def csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_an_owner_sees_its_tenant_s_events_and_never_another_s(client, tenants):
    pay(tenants["owner_a"], tenants["acme"], 1_000, "A-REF")
    pay(tenants["staff_a"], tenants["zeta"], 2_000, "A-STAFF")
    pay(tenants["owner_b"], tenants["bravo"], 3_000, "B-SECRET")
    client.force_login(tenants["owner_a"].user)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "A-REF" in page.text and "A-STAFF" in page.text and "staff@a.example" in page.text
    assert "B-SECRET" not in page.text and "owner@b.example" not in page.text
    client.force_login(tenants["owner_b"].user)
    page = client.get(PAGE)
    assert "B-SECRET" in page.text and "A-REF" not in page.text


@pytest.mark.parametrize("who", ["staff_a", "client"])
def test_staff_and_clients_are_refused(client, tenants, who):
    member = client_member(tenants["acme"]) if who == "client" else tenants[who]
    client.force_login(member.user)
    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403


def test_filters_by_action_person_client_and_dates(client, tenants, monkeypatch):
    monkeypatch.setattr("customers.tasks.send_invitation_email_task.delay", lambda pk: None)
    pay(tenants["owner_a"], tenants["acme"], 1_000, "ACME-1")
    pay(tenants["staff_a"], tenants["zeta"], 2_000, "ZETA-1")
    services_invitations.invitation_create(
        actor=tenants["owner_a"], email="new@x.example", role=Role.CLIENT_USER,
        client=tenants["acme"],
    )  # fmt: skip
    client.force_login(tenants["owner_a"].user)

    def refs(**params) -> set[str]:
        text = client.get(PAGE, params).text
        return {ref for ref in ("ACME-1", "ZETA-1", "new@x.example") if ref in text}

    assert refs() == {"ACME-1", "ZETA-1", "new@x.example"}
    assert refs(action=Action.INVITATION_CREATE) == {"new@x.example"}
    assert refs(person=tenants["staff_a"].user_id) == {"ZETA-1"}
    assert refs(client=tenants["acme"].pk) == {"ACME-1", "new@x.example"}
    today = timezone.localdate()
    assert refs(date_from=today + timedelta(days=1)) == set()
    assert refs(date_to=today) == {"ACME-1", "ZETA-1", "new@x.example"}
    # Another tenant's client is not a choice: the filter is dropped, not applied.
    page = client.get(PAGE, {"client": tenants["bravo"].pk})
    assert page.status_code == 200 and "Select a valid choice" in page.text


@pytest.mark.parametrize(
    "params",
    [{"page": "x"}, {"person": "abc"}, {"date_from": "2026-13-45"}, {"action": "<script>"},
     {"date_from": "2026-05-02", "date_to": "2026-05-01"}, {"client": "9" * 18}],
)  # fmt: skip
def test_bad_parameters_are_reported_never_a_500(client, tenants, params):
    client.force_login(tenants["owner_a"].user)
    assert client.get(PAGE, params).status_code == 200
    assert client.get(CSV, params).status_code == 200


def test_the_csv_is_streamed_scoped_and_safe_from_formulas(client, tenants):
    pay(tenants["owner_a"], tenants["acme"], 1_000, '=HYPERLINK("http://x")')
    pay(tenants["owner_b"], tenants["bravo"], 3_000, "B-SECRET")
    client.force_login(tenants["owner_a"].user)
    response = client.get(CSV)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    [row] = csv_rows(response)
    assert row["action"] == "payment.record" and row["who"] == "owner@a.example"
    assert row["client"] == "Acme" and row["ip"] == ""
    assert "B-SECRET" not in str(row)
    changes = row["changes"]
    assert changes.startswith("{") and "HYPERLINK" in changes
    # Every cell a spreadsheet would run as a formula is defused.
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@"))


def test_a_formula_in_a_label_is_prefixed(client, tenants):
    with transaction.atomic():
        audit_record(
            action=Action.BRANDING_UPDATE, target=tenants["a"], target_label="=1+1",
            actor=tenants["owner_a"].user,
        )  # fmt: skip
    client.force_login(tenants["owner_a"].user)
    [row] = csv_rows(client.get(CSV))
    assert row["object"] == "'=1+1"


def test_the_platform_s_changes_show_as_the_platform_without_its_address(
    client, tenants, admin_user
):
    with transaction.atomic():
        audit_record(
            action=Action.RESELLER_STATUS_SET, target=tenants["a"], actor=admin_user,
            changes={"status": ["active", "suspended"]},
        )  # fmt: skip
        audit_record(
            action=Action.MARKUP_SAVE, target=tenants["a"], actor=admin_user,
            changes={"percent": ["10", "12"]},
        )  # fmt: skip
    # the platform's own price plan for the reseller (a wholesale rule) stays the platform's
    from billing.models import MarkupRule

    rule = MarkupRule.objects.create(
        reseller=tenants["a"], level="wholesale", percent=Decimal("30")
    )
    with transaction.atomic():
        audit_record(action=Action.MARKUP_SAVE, target=rule, actor=admin_user)
    client.force_login(tenants["owner_a"].user)
    page = client.get(PAGE)
    assert "The platform" in page.text and admin_user.email not in page.text
    assert "suspended" in page.text
    [status] = [r for r in csv_rows(client.get(CSV)) if r["action"] == "reseller.status_set"]
    assert status["who"] == "The platform" and status["role"] == ""
    assert not [r for r in csv_rows(client.get(CSV)) if r["object_type"] == "billing.markuprule"]


def test_many_events_are_paginated(client, tenants):
    owner = tenants["owner_a"]
    with transaction.atomic():
        for n in range(55):
            audit_record(
                action=Action.BRANDING_UPDATE, target=tenants["a"], target_label=f"change {n}",
                actor=owner.user,
            )  # fmt: skip
    client.force_login(owner.user)
    first = client.get(PAGE)
    assert "change 54" in first.text and "change 4<" not in first.text
    assert "Page 1 of 2" in first.text
    second = client.get(PAGE, {"page": 2})
    assert "change 4<" in second.text
    assert len(csv_rows(client.get(CSV))) == 55


def test_the_owner_s_nav_links_the_audit_log_and_staff_s_does_not(client, tenants):
    client.force_login(tenants["owner_a"].user)
    assert PAGE in client.get(reverse("reseller_dashboard")).text
    client.force_login(tenants["staff_a"].user)
    assert PAGE not in client.get(reverse("reseller_dashboard")).text
