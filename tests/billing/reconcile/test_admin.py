"""The admin's findings list (money per month, filters) and the two actions on an upstream-only
number, each behind a confirm page, audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from billing.reconcile.models import FindingKind, ReconcileFinding, Resolution
from billing.reconcile.services import reconcile_account
from inventory.models import Number, NumberStatus
from inventory.sandbox.registry import sandbox_for
from tests.factories import ClientFactory, UserFactory

from .support import make_account, make_number, plant

pytestmark = pytest.mark.django_db
LIST = "admin:billing_reconcilefinding_changelist"
ORPHAN, MISSING = "+12125550177", "+12125550178"


@pytest.fixture
def findings():
    account = make_account("pbxme")
    plant(account, ORPHAN, monthly="2.50")
    make_number(account, MISSING, retail_period=Decimal("12.00"), billing_cycle="quarterly")
    reconcile_account(account=account)
    return account


@pytest.fixture
def admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _orphan() -> ReconcileFinding:
    return ReconcileFinding.objects.get(kind=FindingKind.ORPHAN)


def test_list_shows_open_findings_most_urgent_first_with_money(admin, findings):
    page = admin.get(reverse(LIST)).content.decode()
    assert page.index(MISSING) < page.index(ORPHAN)
    assert "2.5 USD" in page  # the orphan's cost per month
    assert "4 USD" in page  # the missing number's client pays 12 a quarter
    assert "Release upstream…" in page
    assert "Provider cost per month: <strong>2.5 USD" in page  # the totals above the list


def test_filters_open_closed_and_kind(admin, findings):
    ReconcileFinding.objects.filter(e164=MISSING).update(closed_at="2026-01-01T00:00Z")
    assert MISSING not in admin.get(reverse(LIST)).content.decode()
    assert MISSING in admin.get(reverse(LIST), {"open": "no"}).content.decode()
    page = admin.get(reverse(LIST), {"open": "all", "kind__exact": "orphan"}).content.decode()
    assert ORPHAN in page and MISSING not in page


def test_release_needs_a_confirm_then_releases_upstream(
    admin, findings, django_capture_on_commit_callbacks
):
    url = reverse("admin:billing_reconcilefinding_release", args=[_orphan().pk])
    confirm = admin.get(url)
    assert confirm.status_code == 200 and b"Yes, release it upstream" in confirm.content
    assert _orphan().resolution == ""  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url)
    assert response.status_code == 302
    assert _orphan().resolution == Resolution.RELEASED
    assert AuditEvent.objects.filter(action="reconcile.release").count() == 1
    assert int(ORPHAN[-6:]) not in sandbox_for("pbxme", findings.name).state.owned
    reconcile_account(account=findings)  # no longer listed: the finding closes
    assert _orphan().closed_at is not None


def test_assign_form_errors_change_nothing(admin, findings):
    url = reverse("admin:billing_reconcilefinding_assign", args=[_orphan().pk])
    response = admin.post(url, {"client": "", "billing_cycle": "monthly", "retail_period": "-1"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"client", "retail_period"}
    assert not Number.objects.filter(e164=ORPHAN).exists()


def test_assign_creates_the_number_and_closes_the_finding(admin, findings):
    client = ClientFactory()
    url = reverse("admin:billing_reconcilefinding_assign", args=[_orphan().pk])
    assert admin.get(url).status_code == 200
    response = admin.post(
        url,
        {
            "client": client.pk, "billing_cycle": "monthly", "retail_period": "6.00",
            "wholesale_period": "4.00", "cost_monthly": "2.50", "description": "Sales line",
        },
    )  # fmt: skip
    assert response.status_code == 302
    number = Number.objects.get(e164=ORPHAN)
    assert (number.client, number.status, number.reseller) == (
        client,
        NumberStatus.ACTIVE,
        client.reseller,
    )
    assert number.renewal_period == 0 and number.next_period_start == number.renewal_anchor
    assert number.renewal_due_at is not None and number.paid_until < number.renewal_anchor
    finding = _orphan()
    assert finding.closed_at and finding.resolution == Resolution.ASSIGNED
    assert finding.number == number
    assert AuditEvent.objects.filter(action="reconcile.assign").count() == 1
    # A second click finds nothing left to do.
    again = admin.post(
        url,
        {"client": client.pk, "billing_cycle": "monthly", "retail_period": "6",
         "wholesale_period": "4", "cost_monthly": "2.5"},
    )  # fmt: skip
    assert again.status_code == 200 and Number.objects.filter(e164=ORPHAN).count() == 1
    reconcile_account(account=findings)
    assert not ReconcileFinding.objects.filter(e164=ORPHAN, closed_at=None).exists()


def test_actions_need_the_change_permission(client, findings):
    viewer = UserFactory(is_staff=True)
    client.force_login(viewer)
    url = reverse("admin:billing_reconcilefinding_release", args=[_orphan().pk])
    assert client.post(url).status_code == 403
    assert _orphan().resolution == ""


def test_assigned_number_is_charged_its_first_period_by_the_renewal_job(findings):
    from django.utils import timezone

    from billing.reconcile.actions import Assignment, finding_assign
    from billing.renewals.charging import renewals_run
    from billing.renewals.models import RenewalCharge
    from tests.billing.renewals.helpers import balance, tenants, top_up

    reseller, client, _owner = tenants()
    top_up(client, 10_000)
    top_up(reseller, 10_000)
    number = finding_assign(
        finding_id=_orphan().pk,
        user=UserFactory(is_staff=True),
        assignment=Assignment(
            client=client, billing_cycle="monthly", retail_period=Decimal("6.00"),
            wholesale_period=Decimal("4.00"), cost_monthly=Decimal("2.50"),
        ),
    )  # fmt: skip
    renewals_run(now=timezone.now())
    charge = RenewalCharge.objects.get(number=number)
    assert (charge.period, charge.period_start) == (0, number.renewal_anchor)
    assert balance(client) == 10_000 - 600
    number.refresh_from_db()
    assert number.renewal_period == 1 and number.paid_until >= number.renewal_anchor


def test_operations_page_names_accounts_with_findings_or_an_aborted_run(
    admin, findings, django_assert_max_num_queries
):
    from django.utils import timezone

    from billing.reconcile.models import ReconcileRun, RunStatus
    from billing.selectors_operations import operations_counts

    quiet = make_account("didww", "didww-quiet")
    ReconcileRun.objects.create(
        provider_account=quiet, started_at=timezone.now(), finished_at=timezone.now(),
        status=RunStatus.COMPLETE,
    )  # fmt: skip
    broken = make_account("idtexpress", "idt-broken")
    ReconcileRun.objects.create(
        provider_account=broken, started_at=timezone.now(), finished_at=timezone.now(),
        status=RunStatus.ABORTED, detail="incomplete listing: page 3 empty at 200 of 250",
    )  # fmt: skip
    with django_assert_max_num_queries(4):  # items, accounts, upstream actions, trunks
        assert operations_counts().reconcile_problems == 2
    page = admin.get("/admin/operations/").content.decode()
    section = page[page.index('id="reconcile"') :]
    assert findings.name in section and "idt-broken" in section and "didww-quiet" not in section
    assert "page 3 empty at 200 of 250" in section


def test_only_upstream_only_numbers_have_actions(admin, findings):
    missing = ReconcileFinding.objects.get(kind=FindingKind.MISSING_UPSTREAM)
    url = reverse("admin:billing_reconcilefinding_release", args=[missing.pk])
    assert admin.get(url).status_code == 404
    assert admin.post(url).status_code == 404


def test_assigning_to_a_suspended_client_is_a_form_error(admin, findings):
    from customers.models import Client

    client = ClientFactory(status=Client.Status.SUSPENDED)
    url = reverse("admin:billing_reconcilefinding_assign", args=[_orphan().pk])
    response = admin.post(
        url,
        {"client": client.pk, "billing_cycle": "monthly", "retail_period": "6",
         "wholesale_period": "4", "cost_monthly": "2.5"},
    )  # fmt: skip
    assert response.status_code == 200 and response.context["form"].errors["client"]
    assert not Number.objects.filter(e164=ORPHAN).exists()
    assert _orphan().closed_at is None
