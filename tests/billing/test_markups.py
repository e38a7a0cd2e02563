from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import MarkupRule
from customers.models import Role
from tests.factories import ClientFactory, ResellerFactory, reseller_member

pytestmark = pytest.mark.django_db
RULE = {
    "client": "", "country": "", "number_type": "", "percent": "60", "fixed_setup": "0",
    "fixed_monthly": "0", "min_margin_setup": "0", "min_margin_monthly": "0", "rounding": "cent",
}  # fmt: skip


def test_owner_changes_the_default_markup_and_clients_see_it(client, shop):
    client.force_login(shop["owner"])
    page = client.get(reverse("billing:markups")).content.decode()
    assert "Example prices" in page and "Germany" in page
    response = client.post(reverse("billing:markup_save"), RULE)
    assert response.status_code == 302
    rule = MarkupRule.objects.get(
        level="retail", reseller=shop["reseller"], client=None, country=""
    )
    assert rule.percent == Decimal("60")  # the existing default was changed, not duplicated
    assert MarkupRule.objects.filter(level="retail", reseller=shop["reseller"]).count() == 1


def test_live_preview_shows_prices_with_the_unsaved_rule(client, shop):
    client.force_login(shop["owner"])
    response = client.post(
        reverse("billing:markup_preview"), {**RULE, "percent": "100"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="preview"' in html
    # Berlin: 0.97 wholesale → 1.46 with the saved 50 % → 1.94 with the draft's 100 %.
    assert "1.46 USD" in html and "1.94 USD" in html
    assert MarkupRule.objects.get(level="retail", client=None).percent == Decimal("50")  # unsaved


def test_a_client_specific_rule_for_one_client(client, shop):
    client.force_login(shop["owner"])
    client.post(
        reverse("billing:markup_save"), {**RULE, "client": shop["client"].pk, "country": "DE"}
    )
    rule = MarkupRule.objects.get(client=shop["client"])
    assert (rule.country, rule.percent) == ("DE", Decimal("60"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("percent", "-5"), ("percent", "abc"), ("rounding", "sometimes"), ("country", "ZZ")],
)
def test_bad_rules_rerender_with_errors_and_change_nothing(client, shop, field, value):
    client.force_login(shop["owner"])
    response = client.post(reverse("billing:markup_save"), {**RULE, field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert MarkupRule.objects.get(level="retail", client=None).percent == Decimal("50")


def test_another_resellers_client_or_rule_is_refused(client, shop):
    client.force_login(shop["owner"])
    foreign = ClientFactory()
    response = client.post(reverse("billing:markup_save"), {**RULE, "client": foreign.pk})
    assert response.status_code == 400 and "client" in response.context["form"].errors
    other = ResellerFactory()
    their_rule = MarkupRule.objects.create(level="retail", reseller=other, percent=Decimal(5))
    assert client.post(reverse("billing:markup_delete", args=[their_rule.pk])).status_code == 404
    assert MarkupRule.objects.filter(pk=their_rule.pk).exists()


def test_staff_see_but_cannot_change_prices(client, shop):
    staff = reseller_member(shop["reseller"], Role.RESELLER_STAFF).user
    client.force_login(staff)
    assert client.get(reverse("billing:markups")).status_code == 200
    assert client.post(reverse("billing:markup_save"), RULE).status_code == 403


def test_clients_cannot_open_the_pricing_page(client, shop):
    client.force_login(shop["client_user"])
    assert client.get(reverse("billing:markups")).status_code == 403


def _preview(client, **fields) -> list[list[str]]:
    """The preview's rows, as cell texts."""
    import re

    response = client.post(
        reverse("billing:markup_preview"), {**RULE, **fields}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_a_rule_for_one_country_previews_that_countrys_numbers(client, shop):
    client.force_login(shop["owner"])
    rows = _preview(client, country="DE", percent="100")
    assert sorted(row[0].split()[0] for row in rows) == [
        "Berlin",
        "München",
    ]  # names in the country's own language
    # Berlin: 0.80 EUR → 0.88 → 0.97 USD wholesale; 1.46 with the saved 50 %, 1.94 with 100 %.
    berlin = next(row for row in rows if row[0].startswith("Berlin"))
    assert "1.46" in berlin[2] and "1.94" in berlin[3]


def test_a_country_rule_previews_even_while_the_rest_is_half_typed(client, shop):
    client.force_login(shop["owner"])
    rows = _preview(client, country="GB", percent="")
    assert sorted(row[0].split()[0] for row in rows) == ["Edinburgh", "London"]
    assert all(len(row) == 4 for row in rows)  # no "with this rule" column yet


def test_a_type_rule_previews_that_type_across_countries(client, shop):
    client.force_login(shop["owner"])
    rows = _preview(client, number_type="toll_free")
    assert [row[0] for row in rows] == ["United States · Toll-free"]


def test_the_default_rule_previews_a_spread_of_countries(client, shop):
    client.force_login(shop["owner"])
    rows = _preview(client)
    assert sorted(row[0].split(" · ")[0] for row in rows) == [
        "Germany", "United Kingdom", "United States",
    ]  # fmt: skip


def test_a_country_with_no_numbers_says_so(client, shop):
    client.force_login(shop["owner"])
    response = client.post(
        reverse("billing:markup_preview"), {**RULE, "country": "JP"}, HTTP_HX_REQUEST="true"
    )
    assert "No numbers of this kind" in response.content.decode()
