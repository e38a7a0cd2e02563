"""Routing pages (issue #12): bad input re-renders with errors and changes nothing; bulk routing
names each number that cannot take the route; the badge polls while applying and stops when
done; clients never see a provider's name; users look, admins change; resellers are refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inventory.destinations import destination_create
from inventory.models import Destination, NumberRoute, UpstreamAction

from .conftest import run_action

pytestmark = pytest.mark.django_db

PROVIDER_WORDS = ("DIDWW", "DIDfarm", "PBXme", "IDT", "BigTelco", "sandbox")


@pytest.fixture
def member_client(client, world):
    client.force_login(world["admin"].user)
    return client


def office(world):
    return destination_create(
        actor=world["admin"], kind="sip_uri", label="Office", address="sip:office@pbx.example.com"
    )


def no_provider_names(html: str) -> None:
    for word in PROVIDER_WORDS:
        assert word not in html, word


def test_destinations_page_shows_what_the_numbers_can_ring(member_client, world):
    response = member_client.get(reverse("billing:destinations"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kind="trunk"' in html and "1 of 5" in html  # one number can ring a trunk
    assert "set up on request" in html  # IDT's number, without naming it
    no_provider_names(html)


def test_a_sip_uri_with_a_space_is_a_form_error(member_client):
    response = member_client.post(
        reverse("billing:destinations"),
        {"kind": "sip_uri", "label": "Office", "address": "sip:office @pbx.example.com"},
    )
    assert response.status_code == 400
    assert "Enter a SIP address like" in response.content.decode()
    assert not Destination.objects.exists()


def test_a_pstn_number_that_is_not_valid_is_a_form_error(member_client):
    response = member_client.post(
        reverse("billing:destinations"), {"kind": "pstn", "label": "Mobile", "address": "+1 555"}
    )
    assert response.status_code == 400
    assert "Enter a valid phone number" in response.content.decode()
    assert not Destination.objects.exists()


def test_adding_a_sip_uri(member_client):
    response = member_client.post(
        reverse("billing:destinations"),
        {"kind": "sip_uri", "label": "Office", "address": "sip:office@pbx.example.com:5060"},
    )
    assert response.status_code == 302
    assert Destination.objects.get().address == "sip:office@pbx.example.com:5060"


def test_a_client_user_sees_but_cannot_change(client, world):
    client.force_login(world["user"].user)
    assert client.get(reverse("billing:destinations")).status_code == 200
    post = {"kind": "sip_uri", "label": "x", "address": "sip:a@b.example.com"}
    assert client.post(reverse("billing:destinations"), post).status_code == 403
    number = world["numbers"]["didww"]
    assert client.get(reverse("billing:number_routing", args=[number.pk])).status_code == 200
    assert client.post(reverse("billing:number_routing", args=[number.pk])).status_code == 403
    assert not Destination.objects.exists()


def test_resellers_are_refused(client, world):
    from tests.factories import reseller_member

    client.force_login(reseller_member(world["client"].reseller).user)
    assert client.get(reverse("billing:destinations")).status_code == 403
    assert client.get(reverse("billing:route_bulk")).status_code == 403


def test_another_clients_destination_is_a_form_error_and_changes_nothing(member_client, world):
    theirs = destination_create(
        actor=world["other_admin"], kind="sip_uri", label="Theirs", address="sip:x@y.example.com"
    )
    number = world["numbers"]["didww"]
    response = member_client.post(
        reverse("billing:number_routing", args=[number.pk]), {"destination": theirs.pk}
    )
    assert response.status_code == 400
    assert "valid choice" in response.content.decode()
    assert not NumberRoute.objects.exists() and not UpstreamAction.objects.exists()


def test_a_trunk_of_another_tenant_is_a_form_error(member_client, world, router):
    from tests.factories import ClientFactory, client_member
    from tests.inventory.upstream.conftest import make_number

    stranger = ClientFactory()  # another reseller's client, with a DIDfarm number of its own
    make_number(world["accounts"]["didfarm"], "+31201234999", client=stranger)
    theirs = destination_create(actor=client_member(stranger), kind="trunk", label="Their trunk")
    from .conftest import run_trunk

    run_trunk(theirs)
    response = member_client.post(
        reverse("billing:route_bulk"),
        {"n": [world["numbers"]["didfarm"].pk], "destination": theirs.pk},
    )
    assert response.status_code == 400
    assert not NumberRoute.objects.exists() and not UpstreamAction.objects.exists()


def test_bulk_routing_names_each_number_that_cannot_take_the_route(member_client, world):
    dest = office(world)
    n = world["numbers"]
    response = member_client.post(
        reverse("billing:route_bulk"),
        {"n": [n["didww"].pk, n["didfarm"].pk, n["pbxme"].pk], "destination": dest.pk},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was changed" in html
    assert "This number cannot ring a SIP address." in html
    no_provider_names(html)
    assert not NumberRoute.objects.exists() and not UpstreamAction.objects.exists()


def test_bulk_routing_with_another_clients_number_changes_nothing(member_client, world):
    dest = office(world)
    response = member_client.post(
        reverse("billing:route_bulk"),
        {"n": [world["numbers"]["didww"].pk, world["other_number"].pk], "destination": dest.pk},
    )
    assert response.status_code == 400
    assert not NumberRoute.objects.exists() and not UpstreamAction.objects.exists()


def test_bulk_routing_then_the_badge_polls_until_done(member_client, world, router):
    dest = office(world)
    n = world["numbers"]
    response = member_client.post(
        reverse("billing:route_bulk"), {"n": [n["didww"].pk, n["pbxme"].pk], "destination": dest.pk}
    )
    assert response.status_code == 302
    page = member_client.get(reverse("billing:numbers")).content.decode()
    assert page.count('data-route-state="applying"') == 2
    assert page.count('hx-trigger="every 2s"') == 2
    status_url = reverse("billing:number_route_status", args=[n["didww"].pk])
    badge = member_client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert "Applying" in badge and "every 2s" in badge
    run_action(UpstreamAction.objects.get(number=n["didww"]))
    badge = member_client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert 'data-route-state="done"' in badge and "every 2s" not in badge


def test_a_failed_route_is_plain_for_the_client(member_client, world, router):
    dest = office(world)
    number = world["numbers"]["didww"]
    member_client.post(
        reverse("billing:number_routing", args=[number.pk]), {"destination": dest.pk}
    )
    router.script = ["refused"]
    run_action(UpstreamAction.objects.get(number=number))
    html = member_client.get(reverse("billing:number_routing", args=[number.pk])).content.decode()
    assert "We could not apply this route" in html
    no_provider_names(html)


def test_the_routing_page_says_idt_is_set_up_on_request(member_client, world):
    number = world["numbers"]["idt"]
    html = member_client.get(reverse("billing:number_routing", args=[number.pk])).content.decode()
    assert "Set up on request" in html
    no_provider_names(html)


def test_trunk_password_is_shown_once(member_client, world, router):
    from .conftest import run_trunk

    response = member_client.post(
        reverse("billing:destinations"), {"kind": "trunk", "label": "PBX trunk"}
    )
    trunk = Destination.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{trunk.pk}/")
    html = member_client.get(response.url).content.decode()
    assert "every 2s" in html  # creating…
    run_trunk(trunk)
    reveal = reverse("billing:destination_reveal", args=[trunk.pk])
    shown = member_client.post(reveal)
    assert router.trunks["trunk-1"]["password"] in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    again = member_client.post(reveal, follow=True).content.decode()
    assert router.trunks["trunk-1"]["password"] not in again
    confirm = member_client.get(reverse("billing:destination_regenerate", args=[trunk.pk]))
    assert "stops working" in confirm.content.decode()
    member_client.post(reverse("billing:destination_regenerate", args=[trunk.pk]))
    trunk.refresh_from_db()
    assert trunk.trunk_op == "regenerate"


def test_deleting_a_destination_in_use_is_refused_with_the_reason(member_client, world, router):
    dest = office(world)
    number = world["numbers"]["didww"]
    member_client.post(
        reverse("billing:number_routing", args=[number.pk]), {"destination": dest.pk}
    )
    response = member_client.post(reverse("billing:destination_delete", args=[dest.pk]))
    assert response.status_code == 400
    assert "+12125550101" in response.content.decode()
    dest.refresh_from_db()
    assert dest.deleted_at is None


def test_a_numbers_routing_page_offers_only_destinations_it_can_ring(member_client, world):
    """Found walking the demo: the DIDfarm number's page offered SIP addresses, refused only
    after the client had chosen one (and a DIDWW number was offered the trunk it cannot ring)."""
    office(world)
    destination_create(actor=world["admin"], kind="pstn", label="Desk", address="+442079460958")
    trunk = destination_create(actor=world["admin"], kind="trunk", label="Boston trunk")
    Destination.objects.filter(pk=trunk.pk).update(state="ready", address="trk_1", trunk_op="")
    offered = {}
    for kind in ("didfarm", "didww"):
        number = world["numbers"][kind]
        response = member_client.get(reverse("billing:number_routing", args=[number.pk]))
        offered[kind] = [d.label for d in response.context["form"].fields["destination"].queryset]
    assert offered == {"didfarm": ["Boston trunk"], "didww": ["Desk", "Office"]}


def test_a_number_none_of_whose_destinations_fit_says_so(member_client, world):
    office(world)
    number = world["numbers"]["didfarm"]  # rings only a trunk; the client has none
    html = member_client.get(reverse("billing:number_routing", args=[number.pk])).content.decode()
    assert "None of your destinations can ring this number" in html
    assert 'name="destination"' not in html


def test_a_trunk_shows_the_platforms_server_name_never_the_providers(member_client, world, router):
    from .conftest import run_trunk

    member_client.post(reverse("billing:destinations"), {"kind": "trunk", "label": "PBX trunk"})
    trunk = Destination.objects.get()
    run_trunk(trunk)
    trunk.refresh_from_db()
    assert trunk.sip_server == "sip.example.net"  # the provider's host, kept for admins
    page = reverse("billing:destination", args=[trunk.pk])
    html = member_client.get(page).content.decode()
    assert "sip.example.net" not in html and "Ask our support team" in html
    account = trunk.provider_account
    account.sip_server_alias = "sip.voice.reseller.test"
    account.save(update_fields=["sip_server_alias"])
    html = member_client.get(page).content.decode()
    assert "sip.voice.reseller.test" in html and "sip.example.net" not in html
