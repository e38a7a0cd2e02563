"""One email address per person under /accounts/email/: a new address waits for its owner's
confirmation, then replaces the old one; changing it asks for the password, and the attempts
are rate-limited (issue 10)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

EMAIL = reverse("account_email")


def _add(client, address: str):
    return client.post(EMAIL, {"action_add": "", "email": address})


def test_changing_the_address_asks_for_the_password_first_and_sends_nothing_before(client, staff):
    client.force_login(staff.user)  # no recent password
    response = _add(client, "stranger@example.com")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="stranger@example.com").exists()
    assert mail.outbox == []
    wrong = client.post(reverse("account_reauthenticate"), {"password": "not-it"})
    assert wrong.status_code == 200
    assert not EmailAddress.objects.filter(email="stranger@example.com").exists()


def test_a_person_has_one_address_and_a_new_one_replaces_it_once_confirmed(client, staff):
    user = staff.user
    old = user.email
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    _add(client, "second@example.com")
    _add(client, "third@example.com")  # replaces the pending change, does not add a third
    addresses = {a.email: a.verified for a in EmailAddress.objects.filter(user=user)}
    assert addresses == {old: True, "third@example.com": False}
    assert [m.to for m in mail.outbox] == [["second@example.com"], ["third@example.com"]]
    user.refresh_from_db()
    assert user.email == old  # still the old one until the new one is confirmed
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    client.post(urlsplit(link).path)
    user.refresh_from_db()
    assert user.email == "third@example.com"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "third@example.com"
    ]


def test_the_page_offers_a_change_not_a_second_address(client, staff):
    client.force_login(staff.user)
    page = client.get(EMAIL)
    assert page.status_code == 200
    assert staff.user.email in page.text
    assert "action_primary" not in page.text  # no list of addresses to choose a primary from


def test_address_changes_are_rate_limited(client, staff):
    client.force_login(staff.user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    statuses = [_add(client, f"try{n}@example.com").status_code for n in range(12)]
    assert statuses[:10] == [302] * 10
    assert statuses[10:] == [429, 429]
    assert len(mail.outbox) <= 10


def test_an_address_of_another_account_gets_no_mail_and_the_same_answer(client, owner, staff):
    client.force_login(staff.user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    taken = _add(client, owner.user.email)
    free = _add(client, "free@example.com")
    assert (taken.status_code, taken["Location"]) == (free.status_code, free["Location"])
    assert [m.to for m in mail.outbox] == [["free@example.com"]]
    owner.user.refresh_from_db()
    assert EmailAddress.objects.get(email=owner.user.email).user == owner.user
