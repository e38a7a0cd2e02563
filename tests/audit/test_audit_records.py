"""Each change of money or power writes one audit event, inside its transaction: a refused or
rolled-back change writes none. Who, the tenant and the changes are what the event says."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import RequestFactory
from django.urls import reverse

from audit.actions import Action
from audit.models import AuditEvent
from audit.services import CHANGED
from billing import ledger, wallets
from billing.models import MarkupRule
from billing.services import markup_rule_delete, markup_rule_save
from customers import services, services_domains, services_invitations
from customers.models import Client, Role
from customers.services_status import client_status_set
from inventory.accounts import provider_account_create
from inventory.models import ProviderAccount
from tests.factories import ClientFactory, ResellerFactory, reseller_member


@pytest.fixture
def reseller(db):
    return ResellerFactory()


@pytest.fixture
def owner(reseller):
    return reseller_member(reseller, Role.RESELLER_OWNER, email="olga@owner.example")


@pytest.fixture
def acme(reseller):
    return ClientFactory(reseller=reseller, name="Acme")


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def pay(owner, client, minor: int = 10_000, reference: str = "T-1"):
    return wallets.wallet_top_up(
        actor=owner.user, membership=owner, wallet=ledger.client_wallet(client),
        amount_minor=minor, method="bank_transfer", reference=reference,
        idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip


def test_a_payment_is_recorded_with_who_the_tenant_and_the_amount(owner, acme):
    txn, _new = pay(owner, acme, 12_345, "INV-7")
    [event] = events(Action.PAYMENT_RECORD)
    assert event.actor == owner.user and event.actor_email == "olga@owner.example"
    assert event.actor_role == Role.RESELLER_OWNER
    assert (event.reseller_id, event.client_id) == (acme.reseller_id, acme.pk)
    assert (event.target_type, event.target_id) == ("billing.ledgertransaction", str(txn.pk))
    assert event.changes["amount"] == "123.45 USD" and event.changes["reference"] == "INV-7"


def test_a_payment_made_through_a_page_records_the_person_and_the_address(client, owner, acme):
    client.force_login(owner.user)
    page = client.get(reverse("billing:client_wallet", args=[acme.pk]))
    key = page.context["top_up_form"].initial["idempotency_key"]
    client.post(
        reverse("billing:client_top_up", args=[acme.pk]),
        {"amount": "20", "method": "cash", "reference": "R-1", "idempotency_key": key},
        REMOTE_ADDR="203.0.113.9",
    )
    [event] = events(Action.PAYMENT_RECORD)
    assert event.actor_kind == "person" and event.actor == owner.user
    assert event.ip == "203.0.113.9"


def test_the_address_comes_through_the_trusted_proxy_settings(client, owner, acme, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client.force_login(owner.user)
    client.post(
        reverse("reseller:branding"),
        {"display_name": "Olga Voice", "accent_colour": "#112233",
         "support_email": "help@olga.example", "domain": ""},
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7",
    )  # fmt: skip
    [event] = events(Action.BRANDING_UPDATE)
    assert event.ip == "198.51.100.7"
    assert event.changes["display_name"][1] == "Olga Voice"


def test_a_refused_payment_or_a_rolled_back_one_leaves_no_event(owner, acme):
    with pytest.raises(ValidationError):
        wallets.wallet_top_up(
            actor=owner.user, membership=owner, wallet=ledger.client_wallet(acme),
            amount_minor=100, method="bank_transfer", reference="",
            idempotency_key=uuid.uuid4().hex,
        )  # fmt: skip
    with pytest.raises(RuntimeError), transaction.atomic():
        pay(owner, acme)
        raise RuntimeError("the caller's transaction fails after the payment")
    assert not AuditEvent.objects.exists()


def test_reversal_and_credit_limit_are_recorded(owner, acme):
    txn, _new = pay(owner, acme, 5_000)
    wallet = ledger.client_wallet(acme)
    wallets.wallet_payment_reverse(
        actor=owner.user, membership=owner, wallet=wallet, transaction_id=txn.pk,
        reason="Recorded twice",
    )  # fmt: skip
    wallets.wallet_credit_limit_set(
        actor=owner.user, membership=owner, wallet=wallet, limit_minor=2_500
    )
    wallets.wallet_credit_limit_set(
        actor=owner.user, membership=owner, wallet=wallet, limit_minor=2_500
    )  # unchanged: no second event
    [reversal] = events(Action.PAYMENT_REVERSE)
    assert reversal.changes["reverses"] == txn.pk and reversal.changes["reason"] == "Recorded twice"
    [limit] = events(Action.CREDIT_LIMIT_SET)
    assert limit.changes == {"credit_limit": ["0.00 USD", "25.00 USD"]}
    assert limit.client_id == acme.pk


def test_a_reversal_refused_for_lack_of_funds_leaves_no_event(owner, acme):
    txn, _new = pay(owner, acme, 5_000)
    wallet = ledger.client_wallet(acme)
    received = ledger.reseller_received(acme.reseller, wallet.currency)
    with transaction.atomic():  # the client spent it
        ledger.ledger_post(
            kind="adjustment", entries=[(wallet, -5_000), (received, 5_000)],
            reseller=acme.reseller, client=acme,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        wallets.wallet_payment_reverse(
            actor=owner.user, membership=owner, wallet=wallet, transaction_id=txn.pk,
            reason="Bounced",
        )  # fmt: skip
    assert not events(Action.PAYMENT_REVERSE)


def test_markup_rules_record_old_and_new_values(owner):
    values = {
        "client": None, "country": "", "number_type": "", "percent": Decimal("20"),
        "fixed_setup": Decimal("0"), "fixed_monthly": Decimal("0"),
        "min_margin_setup": Decimal("0"), "min_margin_monthly": Decimal("0"), "rounding": "cent",
    }  # fmt: skip
    rule = markup_rule_save(actor=owner, values=values)
    markup_rule_save(actor=owner, values={**values, "percent": Decimal("25")}, rule=rule)
    markup_rule_delete(actor=owner, rule=MarkupRule.objects.get(pk=rule.pk))
    created, changed = events(Action.MARKUP_SAVE)
    assert created.changes["created"] is True
    assert changed.changes == {"percent": ["20", "25"]}
    [deleted] = events(Action.MARKUP_DELETE)
    assert deleted.reseller_id == owner.reseller_id and deleted.target_id == str(rule.pk)


def test_staff_cannot_change_markups_and_nothing_is_recorded(reseller):
    staff = reseller_member(reseller, Role.RESELLER_STAFF)
    with pytest.raises(PermissionDenied):
        markup_rule_save(actor=staff, values={})
    assert not AuditEvent.objects.exists()


def test_exchange_rates_from_the_command_line_name_the_cli(db):
    call_command("fx", "set", "EUR", "USD", "1.08")
    call_command("fx", "set", "USD", "EUR", "0.9")  # the other way round replaces it
    first, second = events(Action.FX_RATE_SET)
    assert first.actor is None and first.actor_kind == "cli" and first.actor_email.endswith("@cli")
    assert first.changes == {"rate": [None, "1.08"]}
    assert second.target_label == "USD/EUR" and second.changes["rate"][1] == "0.9"


def test_branding_and_a_new_domain_are_two_events(owner, monkeypatch):
    services.reseller_update_branding(
        actor=owner, display_name="Olga Voice", domain="portal.olga.example"
    )
    [branding] = events(Action.BRANDING_UPDATE)
    [domain] = events(Action.DOMAIN_SET)
    assert "display_name" in branding.changes and "domain" not in branding.changes
    assert domain.changes == {"domain": ["", "portal.olga.example"]}


def test_a_domain_check_request_and_its_success_are_recorded(owner, monkeypatch):
    monkeypatch.setattr("customers.tasks.check_reseller_domain_task.delay", lambda pk: None)
    services.reseller_update_branding(actor=owner, domain="portal.olga.example")
    assert services_domains.reseller_domain_check_request(actor=owner)
    monkeypatch.setattr(services_domains, "domain_proof_found", lambda domain, token: True)
    assert services_domains.reseller_domain_check(reseller_id=owner.reseller_id)
    [requested] = events(Action.DOMAIN_CHECK_REQUEST)
    [verified] = events(Action.DOMAIN_VERIFIED)
    assert requested.actor == owner.user
    assert verified.actor is None and verified.actor_kind == "system"  # the Celery job's


def test_invitations_from_sent_to_accepted(owner, acme, monkeypatch):
    monkeypatch.setattr("customers.tasks.send_invitation_email_task.delay", lambda pk: None)
    invitation = services_invitations.invitation_create(
        actor=owner, email="Nia@Example.com", role=Role.CLIENT_USER, client=acme
    )
    services_invitations.invitation_resend(actor=owner, invitation=invitation)
    user = services_invitations.invitation_accept(
        invitation=invitation, full_name="Nia", password="s3cure-pass-phrase"
    )
    other = services_invitations.invitation_create(
        actor=owner, email="x@example.com", role="reseller_staff"
    )
    services_invitations.invitation_revoke(actor=owner, invitation=other)
    services_invitations.invitation_revoke(
        actor=owner, invitation=other
    )  # already revoked: no event
    [sent, sent_other] = events(Action.INVITATION_CREATE)
    assert sent.changes["email"] == "nia@example.com" and sent.client_id == acme.pk
    assert sent_other.client_id is None and sent_other.reseller_id == owner.reseller_id
    assert len(events(Action.INVITATION_RESEND)) == 1
    [accepted] = events(Action.INVITATION_ACCEPT)
    assert accepted.actor == user  # the new member, not signed in yet
    assert len(events(Action.INVITATION_REVOKE)) == 1


def test_an_invitation_refused_writes_nothing(owner):
    with pytest.raises(ValidationError):
        services_invitations.invitation_create(
            actor=owner, email=owner.user.email, role="reseller_staff"
        )
    assert not AuditEvent.objects.exists()


def test_roles_and_removals_are_recorded_and_the_last_owner_is_not(owner, reseller):
    staff = reseller_member(reseller, Role.RESELLER_STAFF, email="sam@staff.example")
    services.membership_role_set(actor=owner, member=staff, role=Role.RESELLER_OWNER)
    services.membership_role_set(actor=owner, member=staff, role=Role.RESELLER_OWNER)  # no-op
    services.membership_remove(actor=owner, member=staff)
    with pytest.raises(ValidationError):  # the last owner stays
        services.membership_role_set(actor=owner, member=owner, role=Role.RESELLER_STAFF)
    [role] = events(Action.MEMBER_ROLE_SET)
    assert role.changes == {"role": [Role.RESELLER_STAFF, Role.RESELLER_OWNER]}
    assert role.target_label == "sam@staff.example"
    [removed] = events(Action.MEMBER_REMOVE)
    assert removed.target_label == "sam@staff.example" and removed.reseller_id == reseller.pk


def test_a_client_status_change_is_recorded_and_other_edits_are_not(owner, acme):
    services.client_update(actor=owner, client=acme, phone="+1 212 555 0100")
    client_status_set(actor=owner.user, client=acme, status=Client.Status.SUSPENDED)
    [event] = events(Action.CLIENT_STATUS_SET)
    assert event.changes == {"status": ["active", "suspended"]} and event.client_id == acme.pk


def test_a_provider_account_from_the_cli_records_that_secrets_were_set_never_them(db):
    call_command(
        "providers", "add", "didww", "--name", "main", "--credential", "api_key=s3cr3t-value",
        "--webhook-secret", "hook-s3cr3t",
    )  # fmt: skip
    [event] = events(Action.PROVIDER_ACCOUNT_CREATE)
    assert event.actor_kind == "cli" and event.reseller_id is None
    assert event.changes["credentials.api_key"] == CHANGED
    assert event.changes["webhook_secret"] == CHANGED
    assert "s3cr3t" not in str(event.changes)


def test_a_credential_changed_in_the_admin_is_recorded_without_its_value(admin_user):
    account = provider_account_create(kind="didww", name="main", sandbox=True, rate_limit="")
    model_admin = site.get_model_admin(ProviderAccount)
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    form_class = model_admin.get_form(request, account, change=True)
    data = {
        "kind": "didww", "name": "main", "base_url": account.base_url, "currency": "USD",
        "rate_limit": "", "countries": "[]", "enabled": "on", "sandbox": "on",
        "sandbox_faults": "{}", "low_balance_threshold": "", "api_key": "n3w-k3y",
    }  # fmt: skip
    form = form_class(data, instance=account)
    assert form.is_valid(), form.errors
    with transaction.atomic():
        model_admin.save_model(request, form.save(commit=False), form, change=True)
    [event] = events(Action.PROVIDER_ACCOUNT_CHANGE)
    assert event.changes["api_key"] == [CHANGED, CHANGED]
    assert "n3w-k3y" not in str(event.changes)
    assert event.actor == admin_user and event.actor_role == "platform_admin"


def test_a_reseller_suspended_in_the_admin_is_a_status_event(admin_client, reseller):
    url = reverse("admin:customers_reseller_change", args=[reseller.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "logo"}
    data |= {"status": "suspended", "clients-TOTAL_FORMS": "0", "clients-INITIAL_FORMS": "0"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [event] = events(Action.RESELLER_STATUS_SET)
    assert event.changes == {"status": ["active", "suspended"]}
    assert event.reseller_id == reseller.pk and event.actor_role == "platform_admin"


def test_events_cannot_be_changed_or_deleted_in_the_database(owner, acme):
    pay(owner, acme)
    event = AuditEvent.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(target_label="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get().target_label == event.target_label


def test_the_admin_reads_the_log_and_cannot_add_change_or_delete(admin_client, owner, acme):
    pay(owner, acme)
    event = AuditEvent.objects.get()
    listing = admin_client.get(
        reverse("admin:audit_auditevent_changelist"), {"action": "payment.record"}
    )
    assert listing.status_code == 200 and "olga@owner.example" in listing.text
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    detail = admin_client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.text
    delete = admin_client.post(
        reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEvent.objects.count() == 1
