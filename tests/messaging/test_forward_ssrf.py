"""Forwarding URLs never reach our own network: names are resolved, every answer vetted, and the
request goes to the vetted address (DNS rebinding), without redirects (``portal.egress``)."""

from __future__ import annotations

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import respx
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from customers.models import Role
from messaging.forwarding import due_delivery_ids, forward_delivery_attempt, forwarding_save
from messaging.models import DeliveryState, ForwardDelivery
from portal import egress
from tests.factories import ClientFactory, client_member

from .conftest import PUBLIC_IP
from .support import sms_number
from .test_forwarding import HOOK, HOOK_AT, _receive

pytestmark = pytest.mark.django_db

PRIVATE = "The address resolves to a private network address."


@pytest.fixture
def admin():
    return client_member(ClientFactory(billing_country="NL"), Role.CLIENT_ADMIN)


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3", "127.0.0.1", "0.1.2.3", "100.64.0.1", "169.254.169.254", "192.168.1.1",
        "172.16.0.1", "224.0.0.1", "255.255.255.255", "198.18.0.1", "203.0.113.9",
        "::1", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1",
        "2002:7f00:1::", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "fd00:ec2::254", "fe80::1",
        "ff02::1", "2001:db8::1",
    ],
)  # fmt: skip
def test_private_and_special_addresses_are_not_public(address):
    assert not egress.address_is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "::ffff:8.8.8.8", "2606:4700:4700::1111"]
)
def test_public_addresses_are(address):
    assert egress.address_is_public(ipaddress.ip_address(address))


# --- at delivery ------------------------------------------------------------------------------


def _delivery_to(admin, dns, answers, url=HOOK):
    """A pending forward to ``url`` whose host resolves to ``answers`` when it is delivered
    (saved while the name still looked public)."""
    host = httpx.URL(url).host
    dns.answers[host] = [PUBLIC_IP]
    forwarding_save(actor=admin, email="", url=url)
    dns.answers[host] = answers
    _receive(sms_number(admin.client))
    return ForwardDelivery.objects.get()


@pytest.mark.parametrize(
    "answers",
    [
        ["10.0.0.5"],
        ["127.0.0.1"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["169.254.169.254"],
        [PUBLIC_IP, "10.0.0.5"],  # one private answer among public ones is enough
        ["2606:4700:4700::1111", "fd00::1"],
    ],
)
@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_a_name_resolving_to_a_private_address_fails_for_good(admin, dns, answers):
    delivery = _delivery_to(admin, dns, answers)
    with respx.mock(assert_all_called=False) as router:
        anything = router.route().mock(return_value=httpx.Response(204))
        outcome = forward_delivery_attempt(delivery_id=delivery.pk)
    assert not anything.called  # no connection anywhere
    assert outcome.startswith("refused for good")
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 1)
    assert delivery.last_status == PRIVATE and delivery.next_attempt_at is None
    assert due_delivery_ids(timezone.now() + timezone.timedelta(days=2)) == []  # not retried


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_the_reason_is_on_the_forwarding_page(admin, dns, client):
    _delivery_to(admin, dns, ["10.0.0.5"])
    forward_delivery_attempt(delivery_id=ForwardDelivery.objects.get().pk)
    client.force_login(admin.user)
    html = client.get(reverse("messaging:forwarding")).content.decode()
    assert PRIVATE in html and "Failed" in html


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_the_post_goes_to_the_vetted_address_with_the_name_for_host_and_tls(admin, dns):
    delivery = _delivery_to(admin, dns, [PUBLIC_IP])
    dns.lookups.clear()
    with respx.mock(assert_all_called=True) as router:
        route = router.post(HOOK_AT).mock(return_value=httpx.Response(200))
        assert forward_delivery_attempt(delivery_id=delivery.pk) == "delivered"
    request = route.calls.last.request
    assert request.url.host == PUBLIC_IP
    assert request.headers["Host"] == "hooks.example.com"
    assert request.extensions["sni_hostname"] == "hooks.example.com"  # cert checked against it
    assert dns.lookups == ["hooks.example.com"]  # resolved once


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_a_rebinding_name_is_refused_or_pinned(admin, dns):
    """The name answered a public address when it was saved, a private one now: refused. And a
    name that changes its answer between two lookups in one delivery never gets the second:
    there is no second."""
    delivery = _delivery_to(admin, dns, [["127.0.0.1"]])
    forward_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status) == (DeliveryState.FAILED, PRIVATE)

    ForwardDelivery.objects.all().delete()
    dns.answers["hooks.example.com"] = [[PUBLIC_IP], ["127.0.0.1"]]
    _receive(sms_number(admin.client), message_id="in_2")
    with respx.mock(assert_all_called=True) as router:
        route = router.post(HOOK_AT).mock(return_value=httpx.Response(204))
        forward_delivery_attempt(delivery_id=ForwardDelivery.objects.get().pk)
    assert route.call_count == 1 and route.calls.last.request.url.host == PUBLIC_IP


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_the_next_address_is_tried_when_one_does_not_connect(admin, dns):
    delivery = _delivery_to(admin, dns, ["2606:4700:4700::1111", PUBLIC_IP])
    with respx.mock(assert_all_called=True) as router:
        router.post("https://[2606:4700:4700::1111]/sms").mock(side_effect=httpx.ConnectError)
        second = router.post(HOOK_AT).mock(return_value=httpx.Response(204))
        assert forward_delivery_attempt(delivery_id=delivery.pk) == "delivered"
    assert second.call_count == 1


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_a_name_that_does_not_resolve_is_tried_again(admin, dns):
    delivery = _delivery_to(admin, dns, None)  # no answer now
    del dns.answers["hooks.example.com"]
    forward_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.next_attempt_at is not None
    assert delivery.last_status == "The host name was not found."


@pytest.mark.parametrize(
    "location", ["http://127.0.0.1/", "https://169.254.169.254/latest", "https://8.8.8.8/x"]
)
@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_redirects_are_never_followed(admin, dns, location):
    delivery = _delivery_to(admin, dns, [PUBLIC_IP])
    with respx.mock(assert_all_called=False) as router:
        router.post(HOOK_AT).mock(return_value=httpx.Response(307, headers={"Location": location}))
        elsewhere = router.route()  # anything else
        forward_delivery_attempt(delivery_id=delivery.pk)
    assert not elsewhere.called
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status) == (DeliveryState.PENDING, "HTTP 307")


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=True)
def test_a_url_saved_in_the_demo_is_refused_when_the_rule_applies(admin, dns):
    forwarding_save(actor=admin, email="", url="https://hooks.example.com:8443/sms")
    _receive(sms_number(admin.client))
    with override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False):
        forward_delivery_attempt(delivery_id=ForwardDelivery.objects.get().pk)
    delivery = ForwardDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and "port (443)" in delivery.last_status


# --- when saving ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "answers", "problem"),
    [
        (HOOK, ["10.0.0.5"], PRIVATE),
        (HOOK, ["::ffff:127.0.0.1"], PRIVATE),
        (HOOK, [PUBLIC_IP, "169.254.169.254"], PRIVATE),
        ("https://hooks.example.com:8443/sms", [PUBLIC_IP], "standard port (443)"),
        ("https://intranet/sms", [PUBLIC_IP], "public address"),
        ("https://api.internal/sms", [PUBLIC_IP], "public address"),
        ("https://[::ffff:7f00:1]/sms", [], "public address"),
        ("https://0x7f000001/sms", [], "public address"),
        ("https://exa mple.com/sms", [], "valid URL"),
    ],
)
@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_saving_refuses_what_delivery_would(admin, dns, url, answers, problem):
    dns.answers[httpx.URL(url).host] = answers
    with pytest.raises(ValidationError) as caught:
        forwarding_save(actor=admin, email="", url=url)
    assert problem in " ".join(caught.value.message_dict["url"])


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_a_name_that_does_not_resolve_yet_can_be_saved(admin):
    forwarding, _secret = forwarding_save(actor=admin, email="", url="https://new.example.org/")
    assert forwarding.url == "https://new.example.org/"


# --- the demo's allowance, over a real connection ---------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.path, self.headers["Host"], body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=True)
def test_the_demo_forwards_to_a_local_name_connecting_only_to_its_one_resolution(
    admin, dns, receiver
):
    """hooks.demo exists only in our resolver: the request reached the local receiver, so the
    connection used the address we resolved, and the name was looked up once."""
    port = receiver.server_address[1]
    dns.answers["hooks.demo"] = [["::1", "127.0.0.1"], ["10.9.9.9"]]  # ::1 is not listening
    url = f"http://hooks.demo:{port}/in"
    forwarding_save(actor=admin, email="", url=url)
    _receive(sms_number(admin.client))
    dns.lookups.clear()
    assert forward_delivery_attempt(delivery_id=ForwardDelivery.objects.get().pk) == "delivered"
    assert dns.lookups == ["hooks.demo"]
    [(path, host, body)] = _Receiver.seen
    assert (path, host) == ("/in", f"hooks.demo:{port}") and b'"Hello"' in body


def test_outside_the_demo_the_same_local_receiver_is_never_reached(dns, receiver):
    port = receiver.server_address[1]
    dns.answers["hooks.test"] = ["127.0.0.1"]
    url = f"http://hooks.test:{port}/in"
    with (
        pytest.raises(egress.Refused) as refused,
        egress.send("POST", url, timeout=5, schemes={"http": port}, content=b"{}"),
    ):
        pass
    assert refused.value.reason == PRIVATE and _Receiver.seen == []
    with egress.send(
        "POST", url, timeout=5, schemes={"http": port}, allow_private=True, content=b"{}"
    ) as response:
        assert response.status_code == 204
    assert [host for _path, host, _body in _Receiver.seen] == [f"hooks.test:{port}"]


def _tls_files(tmp_path, name: str) -> tuple[str, str, str]:
    """A test CA and a certificate for ``name`` it signed: (ca file, cert file, key file)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def subject(common_name):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder(subject_name=subject("test ca"), issuer_name=subject("test ca"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder(subject_name=subject(name), issuer_name=ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = (tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem")
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tuple(str(f) for f in files)


@pytest.mark.parametrize(("name", "delivered"), [("hooks.test", True), ("other.test", False)])
def test_https_to_the_vetted_address_checks_the_certificate_against_the_name(
    tmp_path, monkeypatch, dns, name, delivered
):
    """Connected to 127.0.0.1 (the demo's allowance), TLS still names and verifies the host:
    a certificate for hooks.test is accepted for hooks.test and refused for other.test."""
    import ssl

    import certifi

    ca_file, cert_file, key_file = _tls_files(tmp_path, "hooks.test")
    monkeypatch.setattr(certifi, "where", lambda: ca_file)
    _Receiver.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    names = []
    context.sni_callback = lambda sock, server_name, ctx: names.append(server_name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        dns.answers[name] = ["127.0.0.1"]
        url = f"https://{name}:{port}/in"
        sending = egress.send(
            "POST", url, timeout=5, schemes={"https": port}, allow_private=True, content=b"{}"
        )
        if delivered:
            with sending as response:
                assert response.status_code == 204
            assert [host for _path, host, _body in _Receiver.seen] == [f"hooks.test:{port}"]
        else:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"), sending:
                pass
            assert _Receiver.seen == []
        assert names[:1] == [name]  # the name was sent as SNI, not the address
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
