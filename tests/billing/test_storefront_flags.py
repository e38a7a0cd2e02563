import pytest
from django.urls import reverse

from inventory.models import DidGroup

pytestmark = pytest.mark.django_db


def _has_emoji_flag(html: str) -> bool:
    return any(0x1F1E6 <= ord(ch) <= 0x1F1FF for ch in html)


def test_browse_and_group_pages_show_svg_flags(client, shop):
    client.force_login(shop["client_user"])
    countries = client.get(reverse("billing:browse")).content.decode()
    assert 'src="/static/flags/us.svg" alt=""' in countries
    assert 'src="/static/flags/de.svg"' in countries and not _has_emoji_flag(countries)
    walk = client.get(reverse("billing:browse"), {"country": "DE"}).content.decode()
    assert 'src="/static/flags/de.svg"' in walk and not _has_emoji_flag(walk)
    group = DidGroup.objects.get(external_id="de-ber")
    detail = client.get(reverse("billing:group", args=[group.pk])).content.decode()
    assert 'src="/static/flags/de.svg"' in detail and not _has_emoji_flag(detail)
