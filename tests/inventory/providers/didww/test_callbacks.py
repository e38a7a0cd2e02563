"""DIDWW order-callback signatures (X-DIDWW-Signature)."""

from __future__ import annotations

import pytest

from inventory.providers.didww.callbacks import normalized_url, signature, verify

KEY = "SOMEAPIKEY"
URL = "http://example.com/callbacks"
PARAMS = {"id": "1dd7a68b-e235-402b-8912-fe73ee14243a", "status": "completed", "type": "orders"}
EXPECTED = "fe99e416c3547f2f59002403ec856ea386d05b2f"


def test_readme_test_vector():
    assert signature(KEY, URL, PARAMS) == EXPECTED


def test_parameter_order_does_not_matter():
    shuffled = {"type": "orders", "status": "completed", "id": PARAMS["id"]}
    assert signature(KEY, URL, shuffled) == EXPECTED


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("http://example.com/callbacks", "http://example.com:80/callbacks"),
        ("https://example.com/cb?x=1", "https://example.com:443/cb?x=1"),
        ("https://example.com:8443/cb", "https://example.com:8443/cb"),
        ("HTTP://Example.COM/cb#frag", "http://example.com:80/cb"),
    ],
)
def test_url_normalisation_always_writes_the_port(url, normal):
    assert normalized_url(url) == normal


def test_verify_accepts_the_right_signature_only():
    assert verify(KEY, URL, PARAMS, EXPECTED)
    assert verify(KEY, URL, PARAMS, EXPECTED.upper())
    assert not verify("OTHERKEY", URL, PARAMS, EXPECTED)
    assert not verify(KEY, URL, {**PARAMS, "status": "canceled"}, EXPECTED)
    assert not verify(KEY, "http://example.com/other", PARAMS, EXPECTED)
    assert not verify(KEY, URL, PARAMS, "")
    assert not verify(KEY, URL, PARAMS, "ü" * 40)  # non-ASCII must not raise
