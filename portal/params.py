"""Reading ids and text from a request without trusting it (issue 10: never a 500 on bad input).

A value that is not a whole number in the database's range, or text with a NUL byte (which
PostgreSQL refuses outright), is treated as absent: the caller answers 404 or shows no filter.
"""

from __future__ import annotations

from collections.abc import Mapping

# PostgreSQL bigint, the widest integer column (ids are bigint; smaller columns check in forms).
BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1


def parse_int(value: object, *, minimum: int = 1, maximum: int = BIGINT_MAX) -> int | None:
    """``value`` as an int in [minimum, maximum], else None (non-digits, '1e400', 40 digits)."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text or len(text) > 20 or not text.lstrip("-").isdigit() or not text.isascii():
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def int_param(data: Mapping[str, str], name: str, **bounds: int) -> int | None:
    """``data[name]`` (request.GET or request.POST) as an id, or None when absent or not one."""
    return parse_int(data.get(name, ""), **bounds)


def safe_text(value: str) -> bool:
    """Whether ``value`` can reach the database as text (PostgreSQL refuses NUL bytes)."""
    return "\x00" not in value
