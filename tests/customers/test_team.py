"""Team pages: remove a member, change a role, resend an invitation, revoke after confirming."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from customers import services_invitations
from customers.models import Invitation, Membership, Role, User
from tests.factories import ClientFactory, InvitationFactory, client_member, reseller_member

pytestmark = pytest.mark.django_db


def browser(member: Membership) -> Browser:
    web = Browser()
    web.force_login(member.user)
    return web


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_owner_removes_a_colleague_after_confirming(owner, staff):
    colleague = browser(staff)
    assert colleague.get(reverse("reseller_dashboard")).status_code == 200
    web = browser(owner)
    team = web.get(reverse("reseller:team")).content.decode()
    url = reverse("reseller:member_remove", args=[staff.pk])
    assert f'href="{url}"' in team

    confirm = web.get(url)
    assert confirm.status_code == 200 and "<form" in confirm.content.decode()
    assert Membership.objects.filter(pk=staff.pk).exists()  # asking is not doing

    response = web.post(url)
    assert response.status_code == 302 and response.url == reverse("reseller:team")
    assert not Membership.objects.filter(pk=staff.pk).exists()
    assert not User.objects.get(pk=staff.user_id).is_active
    # their open session reaches nothing any more
    assert colleague.get(reverse("reseller_dashboard")).status_code != 200
    assert colleague.get(reverse("reseller:team")).status_code != 200


def test_nobody_removes_themselves(owner, staff):
    web = browser(owner)
    team = web.get(reverse("reseller:team")).content.decode()
    assert reverse("reseller:member_remove", args=[owner.pk]) not in team
    response = web.post(reverse("reseller:member_remove", args=[owner.pk]))
    assert "You cannot remove yourself." in said(response)
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_the_last_owner_is_kept(owner, staff):
    web = browser(owner)
    response = web.post(
        reverse("reseller:member_role", args=[owner.pk]), {"role": "reseller_staff"}
    )
    assert any("needs an owner" in text for text in said(response))
    owner.refresh_from_db()
    assert owner.role == Role.RESELLER_OWNER

    web.post(reverse("reseller:member_role", args=[staff.pk]), {"role": "reseller_owner"})
    staff.refresh_from_db()
    assert staff.role == Role.RESELLER_OWNER
    # now there are two: the first may step down, and then the second is the last
    web.post(reverse("reseller:member_role", args=[owner.pk]), {"role": "reseller_staff"})
    owner.refresh_from_db()
    assert owner.role == Role.RESELLER_STAFF
    second = browser(staff)
    second.post(reverse("reseller:member_remove", args=[staff.pk]))
    assert Membership.objects.filter(pk=staff.pk).exists()


def test_a_role_from_another_family_is_refused(owner, staff):
    response = browser(owner).post(
        reverse("reseller:member_role", args=[staff.pk]), {"role": "client_admin"}
    )
    assert "Choose one of the roles offered." in said(response)
    staff.refresh_from_db()
    assert staff.role == Role.RESELLER_STAFF


def test_staff_cannot_manage_the_team(owner, staff):
    other = reseller_member(owner.reseller, Role.RESELLER_STAFF)
    web = browser(staff)
    assert (
        reverse("reseller:member_remove", args=[other.pk])
        not in web.get(reverse("reseller:team")).content.decode()
    )
    assert web.get(reverse("reseller:member_remove", args=[other.pk])).status_code == 403
    assert web.post(reverse("reseller:member_remove", args=[other.pk])).status_code == 403
    response = web.post(
        reverse("reseller:member_role", args=[staff.pk]), {"role": "reseller_owner"}
    )
    assert response.status_code == 403
    staff.refresh_from_db()
    assert staff.role == Role.RESELLER_STAFF and Membership.objects.filter(pk=other.pk).exists()


def test_a_client_admin_manages_their_team_and_keeps_an_admin(client_admin, client_user):
    web = browser(client_admin)
    page = web.get(reverse("client:team")).content.decode()
    assert reverse("client:member_remove", args=[client_user.pk]) in page
    response = web.post(
        reverse("client:member_role", args=[client_admin.pk]), {"role": "client_user"}
    )
    assert any("needs an admin" in text for text in said(response))
    web.post(reverse("client:member_role", args=[client_user.pk]), {"role": "client_admin"})
    client_user.refresh_from_db()
    assert client_user.role == Role.CLIENT_ADMIN
    web.post(reverse("client:member_remove", args=[client_user.pk]))
    assert not Membership.objects.filter(pk=client_user.pk).exists()


def test_client_users_cannot_manage_people(client_admin, client_user):
    web = browser(client_user)
    page = web.get(reverse("client:team")).content.decode()
    assert "/remove/" not in page and "Change role" not in page
    assert web.post(reverse("client:member_remove", args=[client_admin.pk])).status_code == 403


def test_a_reseller_manages_its_clients_people(staff, acme_client, client_admin, client_user):
    web = browser(staff)
    detail = web.get(reverse("reseller:client_detail", args=[acme_client.pk])).content.decode()
    assert reverse("reseller:member_remove", args=[client_user.pk]) in detail
    response = web.post(reverse("reseller:member_remove", args=[client_user.pk]))
    assert response.url == reverse("reseller:client_detail", args=[acme_client.pk])
    assert not Membership.objects.filter(pk=client_user.pk).exists()
    web.post(reverse("reseller:member_remove", args=[client_admin.pk]))
    assert Membership.objects.filter(pk=client_admin.pk).exists()  # the client's last admin


def test_revoking_asks_first(owner):
    invitation = InvitationFactory(reseller=owner.reseller, invited_by=owner.user)
    web = browser(owner)
    url = reverse("reseller:invitation_revoke", args=[invitation.pk])
    team = web.get(reverse("reseller:team")).content.decode()
    assert f'href="{url}"' in team  # a link to the confirm page, not a one-click form
    assert web.get(url).status_code == 200
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    web.post(url)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_resend_renews_the_link_and_is_rate_limited(
    owner, acme_client, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(
        reseller=owner.reseller, client=acme_client, role=Role.CLIENT_USER,
        invited_by=owner.user, expires_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    assert invitation.status == "expired"
    web = browser(owner)
    url = reverse("reseller:invitation_resend", args=[invitation.pk])
    detail = web.get(reverse("reseller:client_detail", args=[acme_client.pk])).content.decode()
    assert url in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(url)
    assert response.url == reverse("reseller:client_detail", args=[acme_client.pk])
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [invitation.email]

    with django_capture_on_commit_callbacks(execute=True):
        again = web.post(url)
    assert any("try again later" in text for text in said(again))
    assert len(mail.outbox) == 1


def test_a_client_admin_resends_their_invitation(client_admin, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(
        reseller=client_admin.reseller, client=client_admin.client, role=Role.CLIENT_USER
    )
    with django_capture_on_commit_callbacks(execute=True):
        browser(client_admin).post(reverse("client:invitation_resend", args=[invitation.pk]))
    assert len(mail.outbox) == 1


def test_an_accepted_invitation_is_not_resent(owner):
    invitation = InvitationFactory(reseller=owner.reseller, accepted_at=timezone.now())
    response = browser(owner).post(reverse("reseller:invitation_resend", args=[invitation.pk]))
    assert any("accepted or revoked" in text for text in said(response))
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None


def test_another_resellers_member_is_a_404(owner):
    stranger = client_member(ClientFactory())
    web = browser(owner)
    assert web.get(reverse("reseller:member_remove", args=[stranger.pk])).status_code == 404
    assert web.post(reverse("reseller:member_remove", args=[stranger.pk])).status_code == 404
    assert web.post(reverse("reseller:member_role", args=[stranger.pk])).status_code == 404
    assert Membership.objects.filter(pk=stranger.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(reseller):
    from customers import services
    from tests.billing.reliability.test_concurrency import run_together

    first = reseller_member(reseller, Role.RESELLER_OWNER)
    second = reseller_member(reseller, Role.RESELLER_OWNER)
    pairs = [(first.pk, second.pk), (second.pk, first.pk)]

    def demote(i: int):
        actor_pk, target_pk = pairs[i]
        return services.membership_role_set(
            actor=Membership.objects.get(pk=actor_pk),
            member=Membership.objects.get(pk=target_pk),
            role=Role.RESELLER_STAFF,
        )

    results = run_together(2, demote)

    assert sorted(kind for kind, _value in results) == ["error", "ok"]
    assert Membership.objects.filter(reseller=reseller, role=Role.RESELLER_OWNER).count() == 1


def test_someone_removed_can_be_invited_back(owner, staff):

    browser(owner).post(reverse("reseller:member_remove", args=[staff.pk]))
    invitation = services_invitations.invitation_create(
        actor=owner, email=staff.user.email, role=Role.RESELLER_STAFF
    )
    user = services_invitations.invitation_accept(
        invitation=invitation, full_name="Back Again", password="a long new passphrase 7"
    )
    assert user.pk == staff.user_id and user.is_active
    assert Membership.objects.get(user=user).role == Role.RESELLER_STAFF
    web = Browser()
    assert web.login(email=staff.user.email, password="a long new passphrase 7")
    assert web.get(reverse("reseller_dashboard")).status_code == 200


def test_an_active_account_still_cannot_be_invited(owner, staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services_invitations.invitation_create(
            actor=owner, email=staff.user.email, role=Role.RESELLER_STAFF
        )
