"""Wallet pages: who sees which wallet, payments recorded once, the credit limit, CSV."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import ledger, wallets
from billing.models import LedgerTransaction, TransactionKind
from customers.models import Membership, Role
from inventory.models import DidGroup
from tests.billing.orders_helpers import buy, fund
from tests.factories import ClientFactory, ResellerFactory, client_member, reseller_member


@pytest.fixture(autouse=True)
def no_provisioning(monkeypatch):
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", lambda ids: None)


def top_up(client_obj, minor: int, reference: str = "T-1", note: str = "") -> None:
    owner = Membership.objects.filter(reseller=client_obj.reseller, client__isnull=True).first()
    owner = owner or reseller_member(client_obj.reseller)
    wallets.wallet_top_up(
        actor=owner.user, membership=owner, wallet=ledger.client_wallet(client_obj),
        amount_minor=minor, method="bank_transfer", reference=reference,
        idempotency_key=uuid.uuid4().hex, note=note,
    )  # fmt: skip


def debit(client_obj, minor: int, memo: str) -> None:
    """A charge the statement shows as a negative amount (an adjustment to the reseller)."""
    wallet = ledger.client_wallet(client_obj)
    received = ledger.reseller_received(client_obj.reseller, wallet.currency)
    with transaction.atomic():
        ledger.ledger_post(
            kind=TransactionKind.ADJUSTMENT, entries=[(wallet, -minor), (received, minor)],
            memo=memo, client=client_obj, reseller=client_obj.reseller,
        )  # fmt: skip


def form_key(response) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', response.text).group(1)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def as_owner(client, store):
    client.force_login(store["owner"])
    return client


@pytest.fixture
def wallet_url(store):
    return reverse("billing:client_wallet", args=[store["client"].pk])


# --- who sees what ------------------------------------------------------------------------------


def test_a_client_sees_its_own_wallet_and_statement_only(client, store):
    top_up(store["client"], 25_000, reference="WIRE-OURS")
    sibling = ClientFactory(reseller=store["reseller"])
    top_up(sibling, 99_900, reference="WIRE-SIBLING")
    client.force_login(client_member(store["client"], Role.CLIENT_USER).user)

    page = client.get(reverse("billing:wallet"))
    assert page.status_code == 200
    assert "250.00 USD" in page.text and "WIRE-OURS" in page.text
    assert "WIRE-SIBLING" not in page.text and "999.00" not in page.text
    # Reseller pages, with its own client's id or another's, are closed to client people.
    for pk in (store["client"].pk, sibling.pk):
        assert client.get(reverse("billing:client_wallet", args=[pk])).status_code == 403
        assert client.get(reverse("billing:client_wallet_csv", args=[pk])).status_code == 403
    assert client.get(reverse("billing:reseller_wallets")).status_code == 403
    assert client.get(reverse("billing:reseller_wallet")).status_code == 403


def test_another_resellers_people_get_404_for_a_clients_wallet(client, store, wallet_url):
    stranger = reseller_member(ResellerFactory(), Role.RESELLER_STAFF)
    client.force_login(stranger.user)
    pk = store["client"].pk
    assert client.get(wallet_url).status_code == 404
    assert client.get(reverse("billing:client_wallet_csv", args=[pk])).status_code == 404
    response = client.post(
        reverse("billing:client_top_up", args=[pk]),
        {"amount": "10", "method": "cash", "reference": "X", "idempotency_key": "a" * 32},
    )
    assert response.status_code == 404
    assert not LedgerTransaction.objects.exists()


def test_the_reseller_lists_its_clients_wallets_in_a_fixed_number_of_queries(as_owner, store):
    top_up(store["client"], 12_345)
    stranger = ClientFactory(name="Not Ours Ltd")
    top_up(stranger, 500)
    url = reverse("billing:reseller_wallets")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_owner.get(url).status_code == 200
        return len(captured)

    queries()  # the first visit creates the reseller's own wallet
    few = queries()
    for n in range(6):
        client_obj = ClientFactory(reseller=store["reseller"], name=f"Extra {n}")
        top_up(client_obj, 100 + n)
    assert queries() == few

    page = as_owner.get(url).text
    assert "Globex" in page and "123.45 USD" in page and "Extra 5" in page
    assert "Not Ours" not in page
    assert reverse("billing:client_wallet", args=[store["client"].pk]) in page

    found = as_owner.get(url, {"q": "extra 3"}, HTTP_HX_REQUEST="true").text
    assert found.strip().startswith('<div id="results"')
    assert "Extra 3" in found and "Globex" not in found


def test_the_reseller_sees_its_own_wallet_with_the_platform(client, store):
    fund(store, client_minor=0, reseller_minor=70_000)
    client.force_login(reseller_member(store["reseller"], Role.RESELLER_STAFF).user)
    page = client.get(reverse("billing:reseller_wallet"))
    assert page.status_code == 200 and "700.00 USD" in page.text
    rows = csv_rows(client.get(reverse("billing:reseller_wallet_csv")))
    assert rows[1][2] == "top_up" and rows[1][5] == "700.00"


def test_open_holds_are_listed_with_their_order(client, shop):
    fund(shop)
    order = buy(shop, DidGroup.objects.get(external_id="us-3"))
    client.force_login(shop["client_user"])
    page = client.get(reverse("billing:wallet")).text
    assert reverse("billing:order", args=[order.reference]) in page
    assert "On hold" in page and order.items.get().description in page


# --- recording payments -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.RESELLER_OWNER, Role.RESELLER_STAFF])
def test_a_double_submitted_payment_is_recorded_once(client, store, wallet_url, role):
    client.force_login(reseller_member(store["reseller"], role).user)
    form = client.get(wallet_url)
    data = {
        "amount": "950.50", "method": "bank_transfer", "reference": "INV-2041",
        "note": "", "idempotency_key": form_key(form),
    }  # fmt: skip
    url = reverse("billing:client_top_up", args=[store["client"].pk])
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302 and first.url == wallet_url
    assert "already recorded" in second.text
    assert LedgerTransaction.objects.filter(kind=TransactionKind.TOP_UP).count() == 1
    assert ledger.client_wallet(store["client"]).balance_minor == 95_050
    assert "INV-2041" in second.text and "950.50 USD" in second.text
    # A fresh form is a fresh key: the next payment is a payment of its own.
    assert form_key(second) != data["idempotency_key"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": ""}, "amount"),
        ({"reference": ""}, "reference"),
        ({"reference": "   "}, "reference"),
        ({"method": "bitcoin"}, "method"),
        ({"idempotency_key": "x' OR 1=1"}, None),
        ({"idempotency_key": ""}, None),
    ],
)
def test_a_bad_payment_is_shown_again_with_errors_and_writes_nothing(
    as_owner, store, wallet_url, changes, field
):
    data = {
        "amount": "10.00", "method": "cash", "reference": "R-1",
        "idempotency_key": form_key(as_owner.get(wallet_url)),
    } | changes  # fmt: skip
    response = as_owner.post(reverse("billing:client_top_up", args=[store["client"].pk]), data)
    assert response.status_code == 400
    form = response.context["top_up_form"]
    assert field in form.errors if field else form.non_field_errors()
    assert not LedgerTransaction.objects.exists()
    assert ledger.client_wallet(store["client"]).balance_minor == 0


def test_the_same_key_with_another_amount_is_refused(as_owner, store, wallet_url):
    key = form_key(as_owner.get(wallet_url))
    url = reverse("billing:client_top_up", args=[store["client"].pk])
    base = {"method": "cash", "reference": "R-1", "idempotency_key": key}
    assert as_owner.post(url, base | {"amount": "10"}).status_code == 302
    again = as_owner.post(url, base | {"amount": "99"})
    assert again.status_code == 400 and "already submitted" in again.text
    assert ledger.client_wallet(store["client"]).balance_minor == 1_000
    assert form_key(again) != key  # resubmitting on purpose records a second payment


@pytest.mark.parametrize("role", [Role.CLIENT_ADMIN, Role.CLIENT_USER])
def test_client_people_cannot_record_payments(client, store, role):
    client.force_login(client_member(store["client"], role).user)
    response = client.post(
        reverse("billing:client_top_up", args=[store["client"].pk]),
        {"amount": "500", "method": "cash", "reference": "SELF", "idempotency_key": "b" * 32},
    )
    assert response.status_code == 403
    assert not LedgerTransaction.objects.exists()


# --- credit limit -------------------------------------------------------------------------------


def test_staff_cannot_change_the_credit_limit(client, store, wallet_url):
    client.force_login(reseller_member(store["reseller"], Role.RESELLER_STAFF).user)
    page = client.get(wallet_url)
    assert 'name="credit_limit"' not in page.text
    assert client.post(wallet_url, {"credit_limit": "100"}).status_code == 403
    assert ledger.client_wallet(store["client"]).credit_limit_minor == 0


def test_the_owner_sets_the_credit_limit_but_not_below_the_debt(as_owner, store, wallet_url):
    assert as_owner.post(wallet_url, {"credit_limit": "100"}).status_code == 302
    assert ledger.client_wallet(store["client"]).credit_limit_minor == 10_000
    debit(store["client"], 5_000, "Setup fee")  # the wallet now owes 50.00

    refused = as_owner.post(wallet_url, {"credit_limit": "20"})
    assert refused.status_code == 400
    assert "credit_limit" in refused.context["credit_form"].errors
    assert ledger.client_wallet(store["client"]).credit_limit_minor == 10_000
    bad = as_owner.post(wallet_url, {"credit_limit": "-1"})
    assert bad.status_code == 400
    assert ledger.client_wallet(store["client"]).credit_limit_minor == 10_000

    page = as_owner.get(wallet_url).text
    assert "-50.00 USD" in page and "100.00 USD" in page


# --- statement: filters, pages, CSV -------------------------------------------------------------


def test_statement_filters_apply_to_the_page_and_the_csv(as_owner, store, wallet_url):
    top_up(store["client"], 10_000, reference="WIRE-A")
    top_up(store["client"], 2_000, reference="CASH-B")
    debit(store["client"], 1_500, "Porting fee")
    csv_url = reverse("billing:client_wallet_csv", args=[store["client"].pk])

    page = as_owner.get(wallet_url, {"kind": "top_up", "q": "wire"}).text
    assert "WIRE-A" in page and "CASH-B" not in page and "Porting fee" not in page
    assert f"{csv_url}?kind=top_up&amp;q=wire" in page

    response = as_owner.get(csv_url, {"kind": "top_up", "q": "wire"})
    assert response["Content-Type"].startswith("text/csv")
    assert re.fullmatch(
        r'attachment; filename="wallet-globex-\d{4}-\d{2}-\d{2}\.csv"',
        response["Content-Disposition"],
    )
    header, *rows = csv_rows(response)
    assert header == [
        "date", "transaction", "kind", "memo", "reference", "amount", "balance_after", "currency",
    ]  # fmt: skip
    assert [row[4] for row in rows] == ["WIRE-A"]
    assert rows[0][5:] == ["100.00", "100.00", "USD"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[0][0])

    everything = csv_rows(as_owner.get(csv_url))[1:]
    assert [row[5] for row in everything] == ["-15.00", "20.00", "100.00"]  # newest first
    assert [row[6] for row in everything] == ["105.00", "120.00", "100.00"]

    today = timezone.localdate()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert len(csv_rows(as_owner.get(csv_url, {"date_from": today}))) == 4
    assert len(csv_rows(as_owner.get(csv_url, {"date_from": tomorrow}))) == 1
    assert len(csv_rows(as_owner.get(csv_url, {"date_to": yesterday}))) == 1
    assert "No transactions match" in as_owner.get(wallet_url, {"date_to": yesterday}).text


def test_bad_filters_are_reported_and_ignored(as_owner, store, wallet_url):
    top_up(store["client"], 10_000, reference="WIRE-A")
    for params in ({"date_from": "31/31/2024"}, {"kind": "nope"}, {"page": "abc"}):
        response = as_owner.get(wallet_url, params)
        assert response.status_code == 200 and "WIRE-A" in response.text
    csv_url = reverse("billing:client_wallet_csv", args=[store["client"].pk])
    assert len(csv_rows(as_owner.get(csv_url, {"date_to": "yesterday"}))) == 2


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(as_owner, store):
    top_up(store["client"], 10_000, reference='=HYPERLINK("http://x")', note="+SUM(A1)")
    top_up(store["client"], 500, reference="@cmd", note="-2+3")
    debit(store["client"], 100, "\tTabbed")
    csv_url = reverse("billing:client_wallet_csv", args=[store["client"].pk])
    rows = csv_rows(as_owner.get(csv_url))[1:]
    memos, references = [row[3] for row in rows], [row[4] for row in rows]
    assert memos == ["'\tTabbed", "'-2+3", "'+SUM(A1)"]
    assert references == ["", "'@cmd", '\'=HYPERLINK("http://x")']
    assert rows[0][5] == "-1.00"  # amounts are numbers, not text: never prefixed


def test_the_statement_pages_and_htmx_gets_only_the_results(client, store):
    for n in range(55):
        top_up(store["client"], 100, reference=f"P-{n:02d}")
    client.force_login(store["client_user"])
    url = reverse("billing:wallet")
    first = client.get(url).text
    assert "P-54" in first and "P-05" in first and "P-04" not in first
    assert f"{url}?page=2" in first
    second = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true").text
    assert "<html" not in second and second.strip().startswith('<div id="results"')
    assert "P-04" in second and "P-05" not in second
