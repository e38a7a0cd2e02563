"""The reports pages: what they show, what they export, who may see them, and how many queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Role
from tests.billing.renewals.helpers import make_number
from tests.factories import ClientFactory, ResellerFactory, client_member, reseller_member

from . import generated as g

pytestmark = pytest.mark.django_db


def business(**reseller):
    reseller = ResellerFactory(**reseller)
    clients = [ClientFactory(reseller=reseller, name=f"Client {i}") for i in range(3)]
    now = timezone.now()
    charge = dict(retail=1250, wholesale=700, cost=100, cost_in_eur=False)
    g.charges_post(
        reseller,
        clients,
        [
            {"kind": "capture", "client": 0, "at": now - dt.timedelta(days=70), **charge},
            {"kind": "renewal", "client": 1, "at": now - dt.timedelta(days=35), **charge},
            {"kind": "renewal", "client": 1, "at": now - dt.timedelta(minutes=5), **charge},
        ],
    )
    make_number(
        clients[0],
        anchor=now.date(),
        cycle="quarterly",
        retail="9.00",
        e164=f"+4420712{reseller.pk:05d}",
    )
    make_number(clients[1], anchor=now.date(), retail="2.50", e164=f"+1212555{reseller.pk:04d}")
    return reseller, clients


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_dashboard_shows_figures_charts_and_tables(client):
    reseller, _clients = business()
    client.force_login(reseller_member(reseller, Role.RESELLER_STAFF).user)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="figure-mrr">5.50 USD<' in html  # 9.00 / 3 + 2.50
    assert html.count("<svg") == 3 and 'role="img"' in html
    for table in ("table-money", "table-numbers", "table-countries", "table-types"):
        assert f'id="{table}"' in html
    assert "United Kingdom" in html and "Client 1" in html
    assert "style=" not in html.split("<body", 1)[1]  # the CSP allows no inline style


def test_every_report_exports_as_streamed_csv(client):
    reseller, _clients = business()
    client.force_login(reseller_member(reseller).user)
    months = csv_rows(client.get(reverse("reports:export", args=["months"])))
    assert months[0][:5] == ["month", "currency", "revenue", "wholesale", "margin"]
    assert len(months) == 14 and months[-1][2:5] == ["12.50", "7.00", "5.50"]
    clients_csv = csv_rows(client.get(reverse("reports:export", args=["clients"])))
    assert [row[1] for row in clients_csv[1:]] == ["Client 1", "Client 0"]
    assert clients_csv[1][3:5] == ["25.00", "11.00"]
    countries = csv_rows(client.get(reverse("reports:export", args=["countries"])))
    assert {row[0] for row in countries[1:]} == {"GB", "US"}
    types = client.get(reverse("reports:export", args=["types"]))
    assert types.streaming and types["Content-Type"].startswith("text/csv")
    assert client.get("/reseller/reports/nothing.csv").status_code == 404


def test_a_clients_history_is_its_own(client):
    reseller, clients = business()
    client.force_login(reseller_member(reseller).user)
    response = client.get(reverse("reports:client", args=[clients[1].pk]))
    assert response.status_code == 200
    assert response.context["report"].this_month.revenue.minor == 1250
    rows = csv_rows(client.get(reverse("reports:client_export", args=[clients[1].pk, "months"])))
    assert sum(int(float(r[2]) * 100) for r in rows[1:]) == 2500


def test_another_resellers_client_is_a_404_and_clients_see_no_reports(client):
    mine, _clients = business()
    _theirs, their_clients = business()
    client.force_login(reseller_member(mine).user)
    assert client.get(reverse("reports:client", args=[their_clients[0].pk])).status_code == 404
    url = reverse("reports:client_export", args=[their_clients[0].pk, "months"])
    assert client.get(url).status_code == 404
    client.force_login(client_member(their_clients[0]).user)
    assert client.get(reverse("reports:dashboard")).status_code in (403, 404)


def test_the_platform_admin_sees_each_reseller_and_the_platform(admin_client):
    reseller, _clients = business(name="Zeta Voice")
    overview = admin_client.get(reverse("reports_admin:admin_overview"))
    assert overview.status_code == 200 and "Zeta Voice" in overview.content.decode()
    page = admin_client.get(reverse("reports_admin:admin_reseller", args=[reseller.pk]))
    assert page.status_code == 200 and page.context["report"].mrr.minor == 550
    export = admin_client.get(reverse("reports_admin:admin_export", args=[reseller.pk, "months"]))
    assert csv_rows(export)[-1][2] == "12.50"


def test_the_dashboard_stays_within_its_query_budget(client, django_assert_max_num_queries):
    reseller, clients = business()
    client.force_login(reseller_member(reseller).user)
    client.get(reverse("reports:dashboard"))  # the closed months are summed and stored once
    for i in range(20):
        make_number(clients[i % 3], anchor=dt.date(2026, 1, 1), e164=f"+3314268{i:04d}")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reports:dashboard")).status_code == 200
