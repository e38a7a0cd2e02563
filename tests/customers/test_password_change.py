"""Changing the password asks for the current one (allauth's form), whoever is signed in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "a-new-long-pass-phrase"


def test_the_password_change_needs_the_current_password(client, staff):
    client.force_login(staff.user)
    url = reverse("account_change_password")
    page = client.get(url)
    assert 'name="oldpassword"' in page.text
    response = client.post(url, {"oldpassword": "not-it", "password1": NEW, "password2": NEW})
    assert response.status_code == 200
    assert response.context["form"].errors["oldpassword"]
    staff.user.refresh_from_db()
    assert staff.user.check_password(PASSWORD)
    response = client.post(url, {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW})
    assert response.status_code == 302
    staff.user.refresh_from_db()
    assert staff.user.check_password(NEW)
