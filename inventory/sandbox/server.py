"""Serve provider simulators over real HTTP (``python manage.py sandbox serve``, DESIGN.md §2).

Each simulator is mounted under ``/<kind>``: ``GET http://127.0.0.1:8100/didww/v3/countries``
reaches the DIDWW simulator as ``GET /v3/countries``. An account's ``base_url`` is therefore
``http://127.0.0.1:8100/<kind>`` followed by whatever path the simulator routes on (a simulator may
declare it as ``base_path``, e.g. "/api/v1"; ``SandboxServer.base_url`` appends it).

Stdlib only (``ThreadingHTTPServer``): requests are converted to ``httpx.Request`` and sent through
the same transports the in-process sandbox uses, optionally with injected faults. An injected
timeout keeps the client waiting ``timeout_hang`` seconds, then drops the connection unanswered.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

from .faults import FaultConfig, Simulator, transport_for

logger = logging.getLogger("didhub.sandbox")

# Headers that describe one hop of the connection, not the message: never forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
    }
)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        sandboxes: Mapping[str, Simulator],
        *,
        faults: FaultConfig | Mapping[str, FaultConfig] | None = None,
        timeout_hang: float = 0.0,
    ) -> None:
        super().__init__(address, SandboxRequestHandler)
        self.sandboxes = dict(sandboxes)
        for kind in self.sandboxes:
            if not kind or "/" in kind:
                raise ValueError(f"a sandbox kind must be one path segment, got {kind!r}")
        self.transports: dict[str, httpx.BaseTransport] = {}
        for kind, sandbox in self.sandboxes.items():
            config = faults.get(kind) if isinstance(faults, Mapping) else faults
            self.transports[kind] = transport_for(sandbox, config)
        self.timeout_hang = timeout_hang

    @property
    def root_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, kind: str) -> str:
        """The ``base_url`` for an account of ``kind`` pointed at this server."""
        base_path = str(getattr(self.sandboxes[kind], "base_path", "") or "")
        return f"{self.root_url}/{kind}{base_path}"


class SandboxRequestHandler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx clients expect
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms ACK stalls
    server_version = "didhub-sandbox/1"

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch(send_body=False)

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _dispatch(self, *, send_body: bool = True) -> None:
        body = self._read_body()
        parts = urlsplit(self.path)
        kind, _, rest = parts.path.lstrip("/").partition("/")
        transport = self.server.transports.get(kind)
        if transport is None:
            mounted = sorted(self.server.transports)
            self._write(
                404,
                [("Content-Type", "application/json")],
                json.dumps(
                    {"error": f"no sandbox is mounted at /{kind}", "mounted": mounted}
                ).encode(),
                send_body=send_body,
            )
            return
        request = self._to_httpx(rest, parts.query, body)
        try:
            response = transport.handle_request(request)
            content = response.read()
        except httpx.TimeoutException:
            # Look like a provider that never answers: wait, then hang up.
            if self.server.timeout_hang:
                time.sleep(self.server.timeout_hang)
            self.close_connection = True
            return
        except Exception:
            logger.exception("sandbox %s crashed on %s %s", kind, self.command, self.path)
            sandbox = self.server.sandboxes[kind]
            response = call_error_response(sandbox, 500, "Internal server error")
            content = response.read()
        headers = [(k, v) for k, v in response.headers.multi_items() if k not in HOP_BY_HOP]
        self._write(response.status_code, headers, content, send_body=send_body)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _to_httpx(self, rest: str, query: str, body: bytes) -> httpx.Request:
        host = self.headers.get("Host") or "sandbox"
        url = f"http://{host}/{rest}" + (f"?{query}" if query else "")
        headers = [
            (name, value) for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP
        ]
        if body:
            headers.append(("Content-Length", str(len(body))))
        return httpx.Request(self.command, url, headers=headers, content=body)

    def _write(
        self,
        status: int,
        headers: list[tuple[str, str]],
        content: bytes,
        *,
        send_body: bool = True,
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if send_body and content:
            self.wfile.write(content)


def call_error_response(sandbox: Simulator, status: int, message: str) -> httpx.Response:
    """The simulator's own error shape, or a plain JSON error if even that fails."""
    try:
        return sandbox.error_response(status, message)
    except Exception:
        logger.exception("sandbox error_response failed")
        return httpx.Response(status, json={"error": message})


def make_server(
    sandboxes: Mapping[str, Simulator],
    *,
    host: str = "127.0.0.1",
    port: int = 8100,
    faults: FaultConfig | Mapping[str, FaultConfig] | None = None,
    timeout_hang: float = 0.0,
) -> SandboxServer:
    """A bound, not yet serving server (port 0 picks a free port; see ``server_address``)."""
    return SandboxServer((host, port), sandboxes, faults=faults, timeout_hang=timeout_hang)


def serve(
    sandboxes: Mapping[str, Simulator],
    *,
    host: str = "127.0.0.1",
    port: int = 8100,
    faults: FaultConfig | Mapping[str, FaultConfig] | None = None,
    timeout_hang: float = 5.0,
) -> None:
    """Serve until interrupted (Ctrl-C)."""
    server = make_server(sandboxes, host=host, port=port, faults=faults, timeout_hang=timeout_hang)
    for kind in server.sandboxes:
        print(f"sandbox {kind}: {server.base_url(kind)}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


__all__ = ["SandboxServer", "make_server", "serve"]
