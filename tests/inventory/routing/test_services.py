"""Destinations and route requests: every bad input is refused and changes nothing; bulk
routing is all-or-nothing with a reason per number; what a number supports comes from its
provider's adapter."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from inventory.destinations import (
    destination_create,
    destination_delete,
    pstn_clean,
    sip_uri_clean,
    trunk_accounts,
    trunk_reveal,
)
from inventory.models import Destination, NumberRoute, NumberStatus, UpstreamAction
from inventory.routing import number_route_request
from inventory.routing_support import client_matrix, number_support

from .conftest import run_trunk

pytestmark = pytest.mark.django_db


def sip(world, address="sip:office@pbx.example.com", label="Office"):
    return destination_create(actor=world["admin"], kind="sip_uri", label=label, address=address)


def nothing_changed():
    assert not NumberRoute.objects.exists()
    assert not UpstreamAction.objects.exists()


@pytest.mark.parametrize(
    "address",
    [
        "sip:office @pbx.example.com",
        "sip:office@pbx example.com",
        "sip: office@pbx.example.com",
        "office@pbx.example.com",
        "sip:@pbx.example.com",
        "sip:office@pbx.example.com:99999",
        "sip:office@-pbx.example.com",
        "sips:office@pbx.example.com",
        "",
    ],
)
def test_a_bad_sip_uri_is_a_field_error_and_adds_nothing(world, address):
    with pytest.raises(ValidationError) as caught:
        sip(world, address)
    assert "address" in caught.value.error_dict
    assert not Destination.objects.exists()


@pytest.mark.parametrize(
    ("given", "clean"),
    [
        ("sip:office@PBX.Example.com", "sip:office@pbx.example.com"),
        ("SIP:100@203.0.113.5:5060", "sip:100@203.0.113.5:5060"),
        ("  sip:a.b+c@sip.example.org  ", "sip:a.b+c@sip.example.org"),
    ],
)
def test_good_sip_uris_are_kept_in_one_form(given, clean):
    assert sip_uri_clean(given) == clean


@pytest.mark.parametrize("bad", ["+1 555 0100", "12345", "+44 20 7946 095", "call me", "+999123"])
def test_a_pstn_number_that_is_not_a_valid_number_is_refused(world, bad):
    with pytest.raises(ValidationError) as caught:
        destination_create(actor=world["admin"], kind="pstn", label="Mobile", address=bad)
    assert "address" in caught.value.error_dict
    assert not Destination.objects.exists()


def test_pstn_numbers_are_stored_in_e164_national_input_in_the_clients_country(world):
    assert pstn_clean("+44 20 7946 0958") == "+442079460958"
    made = destination_create(
        actor=world["admin"], kind="pstn", label="London", address="020 7946 0958"
    )
    assert made.address == "+442079460958"  # the client's billing country is GB


def test_the_same_destination_twice_is_refused(world):
    sip(world)
    with pytest.raises(ValidationError):
        sip(world, "sip:office@PBX.example.com", label="Again")
    assert Destination.objects.count() == 1


def test_client_users_and_other_tenants_cannot_add_or_delete(world):
    with pytest.raises(PermissionDenied):
        destination_create(actor=world["user"], kind="sip_uri", label="x", address="sip:a@b.com")
    mine = sip(world)
    with pytest.raises(PermissionDenied):
        destination_delete(actor=world["other_admin"], destination=mine)
    assert Destination.objects.filter(deleted_at__isnull=True).count() == 1


def test_capabilities_come_from_the_adapters(world):
    n = world["numbers"]
    didww = number_support(n["didww"])
    assert didww.mode == "api" and didww.failover
    assert [o.supported for o in didww.options] == [True, True, False]  # sip, pstn, trunk
    farm = number_support(n["didfarm"])
    assert [o.supported for o in farm.options] == [False, False, False]  # no trunk made yet
    assert "add a SIP trunk" in farm.allows("trunk").reason
    assert number_support(n["pbxme"]).failover is False
    idt = number_support(n["idt"])
    assert idt.manual and idt.allows("sip_uri").supported
    matrix, total = client_matrix(n.values())
    assert total == 5
    by_kind = {row.kind: row for row in matrix}
    assert (by_kind["sip_uri"].numbers, by_kind["sip_uri"].manual) == (4, 1)
    assert by_kind["trunk"].numbers == 1


def test_routing_two_numbers_queues_one_route_action_each_and_audits(world):
    office = sip(world)
    n = world["numbers"]
    routes = number_route_request(
        actor=world["admin"], numbers=[n["didww"], n["didww2"]], destination=office
    )
    assert len(routes) == 2
    actions = UpstreamAction.objects.filter(kind="route")
    assert actions.count() == 2
    assert actions.first().details["route"] == {
        "target": {"kind": "sip_uri", "address": "sip:office@pbx.example.com"},
        "failover": None,
    }
    assert AuditEvent.objects.filter(action="number.route").count() == 2


def test_bulk_routing_is_all_or_nothing_with_a_reason_per_number(world):
    office = sip(world)
    n = world["numbers"]
    with pytest.raises(ValidationError) as caught:
        number_route_request(
            actor=world["admin"], numbers=[n["didww"], n["didfarm"]], destination=office
        )
    assert caught.value.messages == ["+31201234567: This number cannot ring a SIP address."]
    nothing_changed()


def test_a_failover_where_the_provider_has_none_is_refused(world):
    office, mobile = (
        sip(world),
        destination_create(
            actor=world["admin"], kind="pstn", label="Mobile", address="+447911123456"
        ),
    )
    n = world["numbers"]
    with pytest.raises(ValidationError) as caught:
        number_route_request(
            actor=world["admin"], numbers=[n["pbxme"]], destination=office, failover=mobile
        )
    assert "without a failover" in caught.value.messages[0]
    nothing_changed()
    number_route_request(
        actor=world["admin"], numbers=[n["didww"]], destination=office, failover=mobile
    )
    assert NumberRoute.objects.get().failover == mobile


def test_a_suspended_number_keeps_its_route_until_the_renewal_is_paid(world):
    office = sip(world)
    number = world["numbers"]["didww"]
    number.status = NumberStatus.SUSPENDED
    number.save(update_fields=["status"])
    with pytest.raises(ValidationError) as caught:
        number_route_request(actor=world["admin"], numbers=[number], destination=office)
    assert "pay the renewal first" in caught.value.messages[0]
    nothing_changed()


def test_another_clients_destination_or_number_is_refused(world):
    theirs = destination_create(
        actor=world["other_admin"], kind="sip_uri", label="Theirs", address="sip:x@y.example.com"
    )
    with pytest.raises(PermissionDenied):
        number_route_request(
            actor=world["admin"], numbers=[world["numbers"]["didww"]], destination=theirs
        )
    office = sip(world)
    with pytest.raises(PermissionDenied):
        number_route_request(
            actor=world["admin"], numbers=[world["other_number"]], destination=office
        )
    with pytest.raises(PermissionDenied):
        number_route_request(
            actor=world["user"], numbers=[world["numbers"]["didww"]], destination=office
        )
    nothing_changed()


def test_a_trunk_is_offered_only_where_the_provider_makes_trunks(world, router):
    accounts = trunk_accounts(world["client"].pk)
    assert [account.kind for account, _numbers in accounts] == ["didfarm"]
    assert accounts[0][1] == ["+31201234567"]
    with pytest.raises(ValidationError) as caught:
        destination_create(actor=world["other_admin"], kind="trunk", label="T")
    assert "kind" in caught.value.error_dict  # the other client holds no such number


def test_a_trunk_is_made_by_its_job_shown_once_and_regenerated(world, router):
    from inventory.destinations import trunk_regenerate_request

    trunk = destination_create(actor=world["admin"], kind="trunk", label="PBX trunk")
    assert trunk.state == "creating" and trunk.trunk_op == "create"
    router.script = ["503", "lost", None]
    assert run_trunk(trunk) == ["retry", "retry", "done"]
    assert len(router.trunks) == 1  # the retry after the lost answer found the same trunk
    assert trunk.state == "ready" and trunk.address == "trunk-1"
    assert trunk.secret == {"password": router.trunks["trunk-1"]["password"]}
    shown = trunk_reveal(actor=world["admin"], destination=trunk)
    assert shown == router.trunks["trunk-1"]["password"]
    trunk.refresh_from_db()
    assert trunk.secret is None and trunk.revealed_at is not None
    assert trunk_reveal(actor=world["admin"], destination=trunk) == ""
    trunk_regenerate_request(actor=world["admin"], destination=trunk)
    run_trunk(trunk)
    shown = trunk_reveal(actor=world["admin"], destination=trunk)
    assert shown == router.trunks["trunk-1"]["password"]
    assert AuditEvent.objects.filter(action="destination.trunk_reveal").count() == 2


def test_a_trunk_rings_only_numbers_on_its_account_and_never_another_clients(world, router):
    trunk = destination_create(actor=world["admin"], kind="trunk", label="PBX trunk")
    run_trunk(trunk)
    n = world["numbers"]
    with pytest.raises(ValidationError) as caught:
        number_route_request(actor=world["admin"], numbers=[n["didww"]], destination=trunk)
    assert "cannot ring a SIP trunk" in caught.value.messages[0]
    with pytest.raises(PermissionDenied):
        number_route_request(
            actor=world["other_admin"], numbers=[world["other_number"]], destination=trunk
        )
    nothing_changed()
    number_route_request(actor=world["admin"], numbers=[n["didfarm"]], destination=trunk)
    action = UpstreamAction.objects.get(kind="route")
    assert action.details["route"]["target"] == {"kind": "trunk", "address": "trunk-1"}


def test_a_destination_in_use_cannot_be_deleted(world, router):
    office = sip(world)
    other = sip(world, "sip:home@pbx.example.com", label="Home")
    number = world["numbers"]["didww"]
    number_route_request(actor=world["admin"], numbers=[number], destination=office)
    with pytest.raises(ValidationError) as caught:
        destination_delete(actor=world["admin"], destination=office)
    assert "+12125550101" in caught.value.messages[0]
    number_route_request(actor=world["admin"], numbers=[number], destination=other)
    destination_delete(actor=world["admin"], destination=office)
    office.refresh_from_db()
    assert office.deleted_at is not None


def test_deleting_a_trunk_deletes_it_upstream(world, router):
    trunk = destination_create(actor=world["admin"], kind="trunk", label="PBX trunk")
    run_trunk(trunk)
    destination_delete(actor=world["admin"], destination=trunk)
    trunk.refresh_from_db()
    assert trunk.trunk_op == "delete"
    router.script = ["lost"]  # deleted upstream, answer lost: the retry's NotFound is done
    run_trunk(trunk)
    assert router.trunks == {} and trunk.trunk_op == ""


def test_a_trunk_the_provider_refuses_fails_for_the_client(world, router):
    trunk = destination_create(actor=world["admin"], kind="trunk", label="PBX trunk")
    router.script = ["refused"]
    assert run_trunk(trunk) == ["dead"]
    assert trunk.state == "failed" and "BigTelco" in trunk.last_error


def test_the_sweeper_picks_up_due_trunk_jobs(world, router, monkeypatch):
    from inventory import tasks

    trunk = destination_create(actor=world["admin"], kind="trunk", label="PBX trunk")
    queued = []
    monkeypatch.setattr(tasks.routing_trunk_task, "delay", queued.append)
    monkeypatch.setattr(tasks.upstream_action_task, "delay", lambda action_id: None)
    router.script = ["429"]
    from inventory.routing_trunks import trunk_job_run

    assert trunk_job_run(destination_id=trunk.pk) == "throttled"
    assert tasks.upstream_sweep_task() == 0  # not due for 7 seconds
    Destination.objects.filter(pk=trunk.pk).update(next_attempt_at=trunk.created_at)
    assert tasks.upstream_sweep_task() == 1 and queued == [trunk.pk]


def test_a_trunk_deletion_the_provider_refuses_waits_for_an_admin(world, router):
    from inventory.routing_trunks import trunk_delete_mark_done
    from tests.factories import UserFactory

    trunk = destination_create(actor=world["admin"], kind="trunk", label="PBX trunk")
    run_trunk(trunk)
    destination_delete(actor=world["admin"], destination=trunk)
    router.script = ["refused"]  # DIDfarm documents no delete call
    from inventory.routing_trunks import trunk_job_run

    assert trunk_job_run(destination_id=trunk.pk) == "dead"
    trunk.refresh_from_db()
    assert trunk.trunk_op == "delete" and trunk.next_attempt_at is None
    assert "BigTelco" in trunk.last_error
    assert trunk_job_run(destination_id=trunk.pk) == "waiting"  # never retried by itself
    assert trunk_delete_mark_done(destination_id=trunk.pk, user=UserFactory(is_staff=True))
    trunk.refresh_from_db()
    assert trunk.trunk_op == ""
