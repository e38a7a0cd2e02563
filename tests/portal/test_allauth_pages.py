"""allauth's pages speak like the rest of the portal: sentence case, no colons after labels."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.customers.conftest import acme_client, client_user, reseller  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_password_change_page_is_in_sentence_case(client, client_user):  # noqa: F811
    client.force_login(client_user.user)
    page = client.get(reverse("account_change_password")).content.decode()
    assert "Current password" in page and "New password (again)" in page
    assert "<h1>Change password</h1>" in " ".join(page.split()).replace("> ", ">").replace(
        " <", "<"
    )
    for title_case in ("Current Password", "New Password", "Change Password", "Password:"):
        assert title_case not in page
    assert 'class="field' in page  # rendered with the portal's own field markup


def test_the_password_reset_page_is_in_sentence_case(client):
    page = client.get(reverse("account_reset_password")).content.decode()
    assert "Password reset" in page and "Password Reset" not in page
    assert "Reset My Password" not in page
