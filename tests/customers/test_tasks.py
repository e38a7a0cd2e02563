"""Invitation mail goes through a real Celery worker on Redis, enqueued only after commit."""

import uuid

import pytest
from django.db import transaction

from customers import services_invitations
from customers.models import Role
from portal.celery import app
from tests.factories import ResellerFactory, reseller_member
from tests.worker import celery_worker, wait_for


def complete_messages(folder):
    """Mail files the worker has finished writing (the file backend ends each with dashes)."""
    texts = [path.read_text() for path in folder.iterdir()]
    return texts if texts and all(text.rstrip().endswith("-" * 79) for text in texts) else None


@pytest.fixture
def real_broker():
    """Send tasks to Redis for real (the suite runs them eagerly otherwise), on a private queue."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_always_eager, app.conf.task_default_queue = saved


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_invitation_after_commit(real_broker, tmp_path):
    owner = reseller_member(ResellerFactory(display_name="Wave Voice"))
    with celery_worker(tmp_path, queue=real_broker):
        with transaction.atomic():
            invitation = services_invitations.invitation_create(
                actor=owner, email="worker@example.com", role=Role.RESELLER_STAFF
            )
            # Nothing is enqueued before the row is committed: the worker could not see it.
            assert not list(tmp_path.iterdir())
        sent = wait_for(lambda: complete_messages(tmp_path), timeout=60)
    assert len(sent) == 1
    assert "worker@example.com" in sent[0]
    assert "Wave Voice" in sent[0]
    assert f"/invitations/{services_invitations.invitation_token(invitation)[:10]}" in sent[0]
