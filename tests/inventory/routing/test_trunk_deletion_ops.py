"""A SIP trunk deletion the provider refuses (DIDfarm documents no delete call) waits for an
admin: found walking the demo, the operations page said "nothing is stuck" meanwhile. It is now
an upstream task for an admin there, counted on the admin's index too, with a button that marks
it deleted once done in the provider's portal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.selectors_operations import operations_counts, operations_overview
from inventory.destinations import destination_delete
from inventory.models import Destination
from tests.factories import UserFactory

from .conftest import run_trunk

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(world, router, monkeypatch):
    """A ready DIDfarm trunk the client deleted; the provider refused to delete it."""
    from inventory.destinations import destination_create
    from inventory.providers import errors

    trunk = destination_create(actor=world["admin"], kind="trunk", label="Spare trunk")
    run_trunk(trunk)

    def no_delete(external_id):
        raise errors.InvalidRequest("no way to delete a SIP trunk", field="trunk")

    monkeypatch.setattr(router, "trunk_delete", no_delete)
    trunk.refresh_from_db()
    destination_delete(actor=world["admin"], destination=trunk)
    run_trunk_once(trunk)
    trunk.refresh_from_db()
    assert trunk.trunk_op == "delete" and trunk.next_attempt_at is None
    return trunk


def run_trunk_once(trunk) -> str:
    from django.utils import timezone

    from inventory.routing_trunks import trunk_job_run

    Destination.objects.filter(pk=trunk.pk).update(next_attempt_at=timezone.now())
    return trunk_job_run(destination_id=trunk.pk)


def test_a_refused_trunk_deletion_is_a_task_for_an_admin(refused):
    assert operations_counts().trunks_to_delete == 1
    assert operations_counts().total >= 1
    assert [t.pk for t in operations_overview().trunks_to_delete] == [refused.pk]


def test_the_admin_marks_it_deleted_from_the_operations_page(client, refused):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin_operations")).content.decode()
    assert refused.trunk_name in page and 'id="trunks-to-delete-table"' in page
    assert 'id="count-upstream-manual">1<' in page
    response = client.post(reverse("admin_operations_trunk_deleted", args=[refused.pk]))
    assert response.status_code == 302
    refused.refresh_from_db()
    assert refused.trunk_op == ""
    assert operations_counts().trunks_to_delete == 0
    again = client.post(reverse("admin_operations_trunk_deleted", args=[refused.pk]), follow=True)
    assert "was left alone" in again.content.decode()


def test_staff_without_the_permission_cannot_mark_it(client, refused):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_orderitem", "view_provideraccount"])
    )
    client.force_login(staff)
    response = client.post(reverse("admin_operations_trunk_deleted", args=[refused.pk]))
    assert response.status_code == 403
    refused.refresh_from_db()
    assert refused.trunk_op == "delete"
