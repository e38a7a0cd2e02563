"""The route job: applied through 500/503/429/timeouts and lost answers, once, never lost; a
newer route replaces an older one (even one on its way); IDT's routing is an admin's task;
the provider's refusal is dead for an admin; the previous route stays recorded."""

from __future__ import annotations

import pytest

from inventory.destinations import destination_create
from inventory.models import NumberRoute, UpstreamAction, UpstreamState
from inventory.providers.types import DestinationKind, Route, RouteTarget
from inventory.routing import number_route_request
from inventory.selectors_routing import number_route, route_status
from inventory.upstream import upstream_action_request
from inventory.upstream_run import upstream_action_mark_done, upstream_action_run
from tests.factories import UserFactory

from .conftest import run_action

pytestmark = pytest.mark.django_db

OFFICE = Route(RouteTarget(DestinationKind.SIP_URI, "sip:office@pbx.example.com"))
HOME = Route(RouteTarget(DestinationKind.SIP_URI, "sip:home@pbx.example.com"))


@pytest.fixture
def dests(world):
    def make(label, address):
        return destination_create(
            actor=world["admin"], kind="sip_uri", label=label, address=address
        )

    return {
        "office": make("Office", OFFICE.target.address),
        "home": make("Home", HOME.target.address),
    }


def route(world, number, destination):
    number_route_request(actor=world["admin"], numbers=[number], destination=destination)
    return UpstreamAction.objects.filter(number=number, kind="route").latest("pk")


def effective_sets(router):
    return [call for call in router.calls if call[0] == "route_set" and call[-1] in ("ok", "lost")]


@pytest.mark.parametrize(
    ("script", "results"),
    [
        (["500", None], ["retry", "done"]),
        (["503", "503", None], ["retry", "retry", "done"]),
        (["429", None], ["throttled", "done"]),
        (["timeout", None], ["retry", "done"]),
        (["500", "429", "timeout", "503", None], ["retry", "throttled", "retry", "retry", "done"]),
    ],
)
def test_a_route_is_applied_through_faults_once(world, dests, router, script, results):
    number = world["numbers"]["didww"]
    action = route(world, number, dests["office"])
    assert route_status(number_route(number), number.pk).state == "applying"
    router.script = list(script)
    assert run_action(action) == results
    assert router.routes == {number.e164: OFFICE}
    assert len(effective_sets(router)) == 1
    assert action.state == UpstreamState.DONE and action.details["made"] == {
        "trunk_id": f"t-{number.e164}"
    }
    current = NumberRoute.objects.get(number=number)
    assert current.applied["route"]["target"]["address"] == OFFICE.target.address
    assert route_status(number_route(number), number.pk).state == "done"
    assert upstream_action_run(action_id=action.pk) == "done"  # a stray rerun does nothing
    assert len(effective_sets(router)) == 1


def test_a_lost_answer_is_applied_again_harmlessly_and_recorded(world, dests, router):
    number = world["numbers"]["didww"]
    action = route(world, number, dests["office"])
    router.script = ["lost", None]
    assert run_action(action) == ["retry", "done"]
    assert router.routes[number.e164] == OFFICE
    assert NumberRoute.objects.get(number=number).applied["route"]["target"]["kind"] == "sip_uri"


def test_too_many_failures_is_dead_and_the_client_sees_a_plain_failure(world, dests, router):
    number = world["numbers"]["didww"]
    action = route(world, number, dests["office"])
    router.script = ["503"] * 20
    results = run_action(action)
    assert results[-1] == "dead" and action.state == UpstreamState.DEAD
    assert route_status(number_route(number), number.pk).state == "failed"
    assert NumberRoute.objects.get(number=number).applied == {}
    # Choosing a route again replaces the dead request with a fresh one.
    router.script = []
    again = route(world, number, dests["office"])
    assert again.pk != action.pk
    action.refresh_from_db()
    assert action.state == UpstreamState.CANCELLED
    assert run_action(again) == ["done"]


def test_a_refused_target_is_dead_at_once_with_the_providers_words_for_admins(world, dests, router):
    number = world["numbers"]["didww"]
    action = route(world, number, dests["office"])
    router.script = ["refused"]
    assert run_action(action) == ["dead"]
    assert "BigTelco" in action.last_error
    assert "BigTelco" not in route_status(number_route(number), number.pk).label


def test_a_newer_route_replaces_an_unstarted_one(world, dests, router):
    number = world["numbers"]["didww"]
    first = route(world, number, dests["office"])
    second = route(world, number, dests["home"])
    assert first.pk == second.pk
    assert UpstreamAction.objects.filter(kind="route").count() == 1
    run_action(second)
    assert router.routes[number.e164] == HOME
    assert len(effective_sets(router)) == 1


def test_a_newer_route_asked_while_the_first_is_on_its_way_is_sent_next(
    world, dests, router, monkeypatch
):
    number = world["numbers"]["didww"]
    action = route(world, number, dests["office"])
    real = router.route_set

    def meanwhile(e164, sent):
        if sent == OFFICE:  # the client changes its mind while the provider is being called
            number_route_request(actor=world["admin"], numbers=[number], destination=dests["home"])
        return real(e164, sent)

    monkeypatch.setattr(router, "route_set", meanwhile)
    assert run_action(action) == ["again", "done"]
    assert router.routes[number.e164] == HOME
    current = NumberRoute.objects.get(number=number)
    assert current.applied["route"]["target"]["address"] == HOME.target.address
    assert current.destination == dests["home"]


def test_the_previous_route_stays_recorded(world, dests, router):
    number = world["numbers"]["didww"]
    run_action(route(world, number, dests["office"]))
    run_action(route(world, number, dests["home"]))
    current = NumberRoute.objects.get(number=number)
    assert current.applied["destination_id"] == dests["home"].pk
    assert current.previous["destination_id"] == dests["office"].pk
    # Asking for what the provider already rings, with nothing open, does nothing.
    before = UpstreamAction.objects.count()
    number_route_request(actor=world["admin"], numbers=[number], destination=dests["home"])
    assert UpstreamAction.objects.count() == before


def test_idt_routing_is_an_admins_task_never_a_silent_no_op(world, dests, router):
    number = world["numbers"]["idt"]
    action = route(world, number, dests["office"])
    assert run_action(action) == ["manual"]
    assert action.mode == "manual" and router.calls == []
    assert action.route_summary == "sip_uri sip:office@pbx.example.com"  # what the admin sets
    assert route_status(number_route(number), number.pk).state == "requested"
    admin = UserFactory(is_staff=True)
    assert upstream_action_mark_done(action_id=action.pk, user=admin)
    assert NumberRoute.objects.get(number=number).applied["route"] == action.details["route"]
    assert route_status(number_route(number), number.pk).state == "done"


def test_a_newer_route_rewrites_the_admins_task(world, dests, router):
    number = world["numbers"]["idt"]
    action = route(world, number, dests["office"])
    run_action(action)
    again = route(world, number, dests["home"])
    assert again.pk == action.pk and again.state == UpstreamState.MANUAL
    assert again.details["route"]["target"]["address"] == HOME.target.address


def test_a_suspension_waits_for_the_route_asked_before_it(world, dests, router):
    number = world["numbers"]["didww"]
    action = route(world, number, dests["office"])
    upstream_action_request(number=number, kind="suspend", reason="client_funds")
    suspend = UpstreamAction.objects.get(number=number, kind="suspend")
    assert upstream_action_run(action_id=suspend.pk) == "waiting"
    assert run_action(action) == ["done"]


def test_a_route_is_not_requested_through_the_suspension_entry(world):
    with pytest.raises(ValueError):
        upstream_action_request(number=world["numbers"]["didww"], kind="route")
