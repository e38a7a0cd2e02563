import pytest


@pytest.fixture(autouse=True)
def _fresh_sandboxes():
    """Simulators are process-wide per account name: each test starts with new ones."""
    from tests.factories import forget_provider_state

    forget_provider_state()
    yield
    forget_provider_state()


PUBLIC_IP = "93.184.215.14"  # what hooks.example.com resolves to in these tests


class FakeResolver:
    """``socket.getaddrinfo`` for the tests: names from ``answers`` (a list of addresses, or a
    list of such lists handed out one per call, the last one repeated), IP literals by the real
    one, anything else not found. ``lookups`` counts the names asked for."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list] = {"hooks.example.com": [PUBLIC_IP]}
        self.lookups: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        import ipaddress
        import socket

        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name.split("%")[0])
        except ValueError:
            pass
        else:
            return self.real(host, port, family, type, proto, flags)
        self.lookups.append(name)
        answer = self.answers.get(name.lower().rstrip("."))
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if answer and isinstance(answer[0], list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        infos = []
        for address in answer:
            if ":" in address:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return infos


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """No test here asks the real DNS: names resolve from ``dns.answers``."""
    import socket

    resolver = FakeResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver
