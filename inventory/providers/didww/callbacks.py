"""Order-callback signatures (``X-DIDWW-Signature``), as DIDWW computes them.

DIDWW signs each callback with the account's API key: hex HMAC-SHA1 over the callback URL written
as ``scheme://host:port/path?query`` (the port always written, ``?query`` only when there is one)
followed by every parameter, sorted by name, as name then value with no separators.
The sandbox uses ``signature`` to sign what it sends; the webhook view uses ``verify``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

SIGNATURE_HEADER = "X-DIDWW-Signature"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalized_url(url: str) -> str:
    """``http://example.com/callbacks`` -> ``http://example.com:80/callbacks``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    text = f"{scheme}://{host}:{port}{parts.path}"
    if parts.query:
        text += f"?{parts.query}"
    return text


def _compute(api_key: str, url: str, params: Mapping[str, str]) -> str:
    payload = normalized_url(url) + "".join(f"{name}{params[name]}" for name in sorted(params))
    return hmac.new(api_key.encode(), payload.encode(), hashlib.sha1).hexdigest()


def signature(api_key: str, url: str, params: Mapping[str, str]) -> str:
    """The hex signature DIDWW sends in ``X-DIDWW-Signature`` for this callback."""
    return _compute(api_key, url, params)


def verify(api_key: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """Whether ``signature`` is DIDWW's signature of this callback (constant-time compare)."""
    if not api_key or not signature:
        return False
    expected = _compute(api_key, url, params)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
