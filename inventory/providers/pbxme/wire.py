"""PBXme's wire shapes, parsed at the boundary into small frozen dataclasses.

Every answer is a JSON object; a failed call says ``"status": false`` with an ``error`` text, even
under HTTP 200 (see ``client.error_for``). The document names these fields: ``account_token``
(login), ``balance``, and for each DID ``did_id``, ``did_number``, ``monthly_cost``, ``setup_fee``,
``country`` and ``type``. They are parsed strictly (a broken record raises ``WireError`` and the
caller logs and skips it); anything else is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..normalize import to_decimal

_FALSE = (False, 0, "0", "false", "False", "FALSE")


class WireError(ValueError):
    """A record whose shape is not the documented one."""


def failed(body: object) -> bool:
    """Whether an answer is PBXme's failure envelope (``{"status": false, "error": ...}``)."""
    return isinstance(body, Mapping) and "status" in body and body["status"] in _FALSE


def error_text(body: object) -> str:
    if not isinstance(body, Mapping):
        return ""
    for key in ("error", "message", "msg"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if type(value) is str:  # the common case first: a plain string
        text = value.strip()
        if text:
            return text
    elif type(value) is int:  # JSON numbers: never blank
        return str(value)
    elif isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    raise WireError(f"{name} is missing or not text: {value!r}")


def _optional_text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def _money(raw: Mapping[str, Any], name: str) -> Decimal:
    value = raw.get(name)
    if type(value) is str:  # prices repeat across a listing: parse each text once
        amount = _AMOUNTS.get(value)
        if amount is not None:
            return amount
    if value is None or isinstance(value, bool):
        raise WireError(f"{name} is missing")
    try:
        amount = to_decimal(value)
    except ValueError as exc:
        raise WireError(f"{name} is not an amount: {value!r}") from exc
    if amount < 0:
        raise WireError(f"{name} is negative: {value!r}")
    if type(value) is str and len(_AMOUNTS) < _AMOUNTS_KEPT:
        _AMOUNTS[value] = amount  # only valid amounts: a broken one is reported every time
    return amount


_AMOUNTS: dict[str, Decimal] = {}  # text -> its (valid, non-negative) amount; Decimal is immutable
_AMOUNTS_KEPT = 4096


def account_token(body: Mapping[str, Any]) -> str:
    try:
        return _text(body, "account_token")
    except WireError as exc:
        raise WireError(f"login answer without a token: {exc}") from exc


def balance(body: Mapping[str, Any]) -> Decimal:
    return _money(body, "balance")


@dataclass(frozen=True, slots=True)
class AvailableDid:
    did_id: str
    number: str  # as sent: PBXme may write "0033…", "+33…" or digits
    country: str  # ISO 3166-1 alpha-2, upper case
    type: str  # PBXme's type name: "Landline", "Mobile Voice", "Mobile SMS", "Voice+SMS"
    monthly_cost: Decimal
    setup_fee: Decimal


def available_did(raw: object) -> AvailableDid:
    return AvailableDid(*available_fields(raw))


AvailableFields = tuple[str, str, str, str, Decimal, Decimal]


def available_fields(raw: object) -> AvailableFields:
    """``AvailableDid``'s fields in order, checked the same way, without building it (a coverage
    walk reads every DID of a country)."""
    if not isinstance(raw, Mapping):
        raise WireError("a DID is not an object")
    country = _text(raw, "country").upper()
    if len(country) != 2 or not country.isalpha():
        raise WireError(f"country is not an ISO code: {country!r}")
    return (
        _text(raw, "did_id"),
        _text(raw, "did_number"),
        country,
        _text(raw, "type"),
        _money(raw, "monthly_cost"),
        _money(raw, "setup_fee"),
    )


@dataclass(frozen=True, slots=True)
class OwnedDid:
    """One entry of ``did/list``: the document promises "full details" but names only the id and
    number, so everything else is optional."""

    did_id: str
    number: str
    country: str = ""
    type: str = ""
    monthly_cost: Decimal | None = None
    setup_fee: Decimal | None = None
    forward_type: str = ""
    forward_destination: str = ""


def owned_did(raw: object) -> OwnedDid:
    if not isinstance(raw, Mapping):
        raise WireError("a DID is not an object")
    costs: dict[str, Decimal | None] = {}
    for name in ("monthly_cost", "setup_fee"):
        try:
            costs[name] = _money(raw, name) if raw.get(name) is not None else None
        except WireError:
            costs[name] = None  # an optional detail; the number itself is still ours
    return OwnedDid(
        did_id=_text(raw, "did_id"),
        number=_text(raw, "did_number"),
        country=_optional_text(raw, "country").upper(),
        type=_optional_text(raw, "type"),
        monthly_cost=costs["monthly_cost"],
        setup_fee=costs["setup_fee"],
        forward_type=_optional_text(raw, "forward_type"),
        forward_destination=_optional_text(raw, "forward_destination"),
    )


def did_rows(body: Mapping[str, Any]) -> list[Any]:
    """The ``dids`` list of an answer; an answer without one is not the documented shape."""
    rows = body.get("dids")
    if rows is None:
        return []  # PHP back-ends write an empty result as a missing or null key
    if not isinstance(rows, list):
        raise WireError("dids is not a list")
    return rows


@dataclass(frozen=True, slots=True)
class DidType:
    type_id: str
    name: str


def did_types(body: Mapping[str, Any]) -> Iterator[DidType]:
    """``did/type-list``: the document names the four types but not the answer's shape; accept a
    list of objects (``type_id``/``id`` + ``name``/``type``) or of plain names under ``types``."""
    rows = body.get("types", body.get("data"))
    if not isinstance(rows, list):
        raise WireError("types is not a list")
    for row in rows:
        if isinstance(row, str) and row.strip():
            yield DidType(row.strip(), row.strip())
        elif isinstance(row, Mapping):
            name = _optional_text(row, "name") or _optional_text(row, "type")
            ident = _optional_text(row, "type_id") or _optional_text(row, "id") or name
            if name:
                yield DidType(ident, name)
