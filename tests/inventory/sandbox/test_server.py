"""The sandbox HTTP server, over a real socket with httpx."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from inventory.sandbox.faults import FaultConfig
from inventory.sandbox.server import SandboxServer, make_server

from .dummy_sandbox import DummySandbox, counting_threads

KEY = {"X-Api-Key": "secret"}


def run(server: SandboxServer) -> Iterator[SandboxServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def sandbox() -> DummySandbox:
    return DummySandbox()


@pytest.fixture
def server(sandbox: DummySandbox) -> Iterator[SandboxServer]:
    other = DummySandbox(credentials={"api_key": "other"}, base_path="/api/v1")
    yield from run(make_server({"dummy": sandbox, "other": other}, port=0))


@pytest.fixture
def http(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url("dummy"), headers=KEY, timeout=5) as client:
        yield client


def test_requests_reach_the_simulator_with_the_prefix_stripped(http: httpx.Client) -> None:
    response = http.get("/echo", params={"a": "1", "b": "x y"}, headers={"X-Custom": "42"})
    assert response.status_code == 200
    echo = response.json()
    assert echo["method"] == "GET"
    assert echo["path"] == "/echo"
    assert echo["query"] == "a=1&b=x+y"
    assert echo["headers"]["x-custom"] == "42"
    assert echo["headers"]["x-api-key"] == "secret"
    assert response.headers["X-Dummy"] == "yes"
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_methods_and_bodies_are_forwarded(http: httpx.Client, method: str) -> None:
    body = '{"hello": "wörld"}'.encode()
    echo = http.request(method, "/echo", content=body).json()
    assert echo["method"] == method
    assert echo["body"] == '{"hello": "wörld"}'


def test_chunked_request_bodies_are_reassembled(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"part": '
        yield b'"one"}'

    echo = http.post("/echo", content=chunks()).json()
    assert echo["body"] == '{"part": "one"}'


def test_purchases_change_simulator_state(http: httpx.Client, sandbox: DummySandbox) -> None:
    response = http.post("/orders", json={"ref": "abc"})
    assert response.status_code == 201
    assert response.json() == {"id": 1, "ref": "abc"}
    assert sandbox.state.orders == [{"id": 1, "ref": "abc"}]
    assert http.get("/balance").json() == {"balance": "2.00"}


def test_error_status_and_body_are_preserved(http: httpx.Client) -> None:
    response = http.get("/balance", headers={"X-Api-Key": "wrong"})
    assert response.status_code == 401
    assert response.json() == {"errors": [{"status": "401", "title": "Invalid API key"}]}


def test_each_kind_is_its_own_simulator(server: SandboxServer) -> None:
    assert server.base_url("other") == f"{server.root_url}/other/api/v1"
    with httpx.Client(base_url=f"{server.root_url}/other", timeout=5) as client:
        assert client.get("/balance", headers=KEY).status_code == 401
        assert client.get("/balance", headers={"X-Api-Key": "other"}).status_code == 200


@pytest.mark.parametrize("path", ["/nope/v3/countries", "/", "/dummyx/echo"])
def test_unknown_prefix_is_a_json_404(server: SandboxServer, path: str) -> None:
    response = httpx.get(server.root_url + path, timeout=5)
    assert response.status_code == 404
    assert response.json()["mounted"] == ["dummy", "other"]
    assert "no sandbox is mounted" in response.json()["error"]


def test_head_answers_without_a_body(http: httpx.Client) -> None:
    response = http.head("/balance")
    assert response.status_code == 200
    assert response.content == b""


def test_a_crashing_simulator_answers_500_in_its_error_shape(http: httpx.Client) -> None:
    response = http.get("/crash")
    assert response.status_code == 500
    assert response.json()["errors"][0]["status"] == "500"
    assert http.get("/balance").status_code == 200  # the server survives


def test_keep_alive_connection_serves_many_requests(http: httpx.Client) -> None:
    for i in range(20):
        assert http.post("/echo", content=str(i).encode()).json()["body"] == str(i)


def test_concurrent_clients_are_serialized_inside_the_simulator(server: SandboxServer) -> None:
    sandbox = DummySandbox(work_seconds=0.002)
    with_faults = make_server({"dummy": sandbox}, port=0)
    statuses: list[int] = []

    def worker() -> None:
        with httpx.Client(base_url=with_faults.base_url("dummy"), timeout=5) as client:
            for _ in range(5):
                statuses.append(client.get("/echo").status_code)

    for _ in run(with_faults):
        counting_threads(worker, 6)
    assert statuses == [200] * 30
    assert sandbox.state.overlaps == 0


def test_faults_apply_per_kind(sandbox: DummySandbox) -> None:
    faults = {"dummy": FaultConfig(burst_429=2, retry_after=3)}
    for server in run(
        make_server({"dummy": sandbox, "clean": DummySandbox()}, port=0, faults=faults)
    ):
        with httpx.Client(base_url=server.root_url, headers=KEY, timeout=5) as client:
            assert client.get("/dummy/balance").status_code == 200
            limited = client.get("/dummy/balance")
            assert limited.status_code == 429
            assert limited.headers["Retry-After"] == "3"
            assert limited.json()["errors"][0]["title"] == "Too many requests"
            assert [client.get("/clean/balance").status_code for _ in range(4)] == [200] * 4


def test_a_lost_purchase_drops_the_connection_after_it_took_effect(sandbox: DummySandbox) -> None:
    faults = FaultConfig(lost_purchase_rate=1.0)
    for server in run(make_server({"dummy": sandbox}, port=0, faults=faults, timeout_hang=0.01)):
        with httpx.Client(base_url=server.base_url("dummy"), headers=KEY, timeout=5) as client:
            with pytest.raises(httpx.TransportError):
                client.post("/orders", json={"ref": "lost-1"})
            found = client.get("/orders", params={"ref": "lost-1"})
    assert found.json()["orders"] == [{"id": 1, "ref": "lost-1"}]
    assert len(sandbox.state.orders) == 1


def test_kinds_must_be_single_path_segments() -> None:
    with pytest.raises(ValueError, match="one path segment"):
        make_server({"a/b": DummySandbox()}, port=0)
