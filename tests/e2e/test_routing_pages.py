"""Every routing page, as a client admin and as a client user, on the narrowest phone, a phone
and a desktop (issue #12): nothing wider than the window, no console error, no provider name;
the user sees routing but no form to change it; a reseller's people are refused."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from inventory.destinations import destination_create
from inventory.models import UpstreamAction
from inventory.routing import number_route_request
from tests.e2e.conftest import sign_in
from tests.e2e.test_phone import fits, sized_page  # noqa: F401
from tests.factories import PASSWORD, reseller_member
from tests.inventory.routing.conftest import FakeRouter, run_action, run_trunk, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDER_WORDS = re.compile(r"didww|didfarm|idt ?express|pbxme|sandbox|bigtelco", re.I)


@pytest.fixture
def routed(world, monkeypatch):  # noqa: F811
    """The world's client with a SIP address, a phone number and a trunk, two numbers routed
    and the IDT one waiting for an admin."""
    fake = FakeRouter()
    for target in ("inventory.upstream_run", "inventory.routing_trunks"):
        monkeypatch.setattr(f"{target}.adapter_for", lambda account: fake)
    monkeypatch.setattr("inventory.routing._enqueue_action", lambda action_id: None)
    monkeypatch.setattr("inventory.destinations._enqueue_trunk", lambda destination_id: None)
    admin, n = world["admin"], world["numbers"]
    sip = destination_create(
        actor=admin, kind="sip_uri", label="Office PBX", address="sip:office@pbx.example.com"
    )
    desk = destination_create(actor=admin, kind="pstn", label="Desk", address="+442079460958")
    trunk = destination_create(actor=admin, kind="trunk", label="Head office trunk")
    run_trunk(trunk)
    number_route_request(actor=admin, numbers=[n["didww"]], destination=sip, failover=desk)
    number_route_request(actor=admin, numbers=[n["pbxme"], n["idt"]], destination=desk)
    number_route_request(actor=admin, numbers=[n["didfarm"]], destination=trunk)
    for action in UpstreamAction.objects.filter(kind="route"):
        run_action(action)
    return {"sip": sip, "desk": desk, "trunk": trunk}


def pages(world, routed, *, admin: bool) -> list[tuple[str, str]]:  # noqa: F811
    n = world["numbers"]
    found = [
        ("routing-numbers", "/numbers/"),
        ("routing-destinations", "/numbers/destinations/"),
        ("routing-destination-sip", f"/numbers/destinations/{routed['sip'].pk}/"),
        ("routing-destination-trunk", f"/numbers/destinations/{routed['trunk'].pk}/"),
        ("routing-bulk", "/numbers/route/?" + "&".join(f"n={x.pk}" for x in n.values())),
    ]
    found += [(f"routing-number-{kind}", f"/numbers/{x.pk}/routing/") for kind, x in n.items()]
    if admin:
        trunk = routed["trunk"].pk
        found += [
            ("routing-regenerate", f"/numbers/destinations/{trunk}/regenerate/"),
            ("routing-delete", f"/numbers/destinations/{routed['desk'].pk}/delete/"),
        ]
    return found


@pytest.mark.parametrize("role", ["admin", "user"])
def test_every_routing_page_fits_for_the_client(sized_page, world, routed, role):  # noqa: F811
    page = sized_page
    sign_in(page, world[role].user.email, PASSWORD)
    for name, url in pages(world, routed, admin=role == "admin"):
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        text = page.inner_text("main")
        assert not PROVIDER_WORDS.search(text), (url, PROVIDER_WORDS.search(text))
        fits(page, f"{name}-{role}")
        if role == "user" and "/routing/" in url:
            expect(page.locator("#route-change")).to_have_count(0)
    assert not page.console_errors, page.console_errors


def test_a_resellers_people_are_refused_the_routing_pages(sized_page, world, routed):  # noqa: F811
    page = sized_page
    owner = reseller_member(world["client"].reseller)
    owner.user.set_password(PASSWORD)
    owner.user.save()
    sign_in(page, owner.user.email, PASSWORD)
    for _name, url in pages(world, routed, admin=True)[1:]:
        assert page.goto(url).status in (403, 404), url
