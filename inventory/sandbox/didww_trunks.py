"""The DIDWW simulator's voice-in trunks and trunk groups (``/v3/voice_in_trunks``,
``/v3/voice_in_trunk_groups``), in the JSON:API shapes of DIDWW's v3 reference (2022-05-10) and
its SDKs' recorded examples.

A trunk has a polymorphic ``configuration``: ``sip_configurations`` (``username``, ``host``,
``port``, codecs, transport…) or ``pstn_configurations`` (``dst``, digits). A trunk group holds
trunks, tried by ``priority`` (lower first) then ``weight``; a trunk belongs to one group at most.
Names are unique per account (422 "has already been taken"). A DID routes to one trunk or one
group (``PATCH /v3/dids/{id}``, see ``didww_account``): a trunk or group still routing a DID
cannot be deleted (422), and deleting a group deletes its trunks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from . import didww_jsonapi as j
from .didww_account import _body
from .didww_jsonapi import ApiError

if TYPE_CHECKING:
    from . import didww_catalog as cat
    from .didww_orders import DidwwState

TRUNKS, GROUPS = "voice_in_trunks", "voice_in_trunk_groups"
SIP, PSTN = "sip_configurations", "pstn_configurations"
_SIP_DEFAULTS: dict[str, Any] = {
    "port": None,
    "codec_ids": [9, 10, 8, 7, 6],
    "rx_dtmf_format_id": 1,
    "tx_dtmf_format_id": 1,
    "resolve_ruri": False,
    "auth_enabled": False,
    "auth_user": None,
    "auth_password": None,
    "auth_from_user": None,
    "auth_from_domain": None,
    "sst_enabled": False,
    "sst_min_timer": 600,
    "sst_max_timer": 900,
    "sst_accept_501": True,
    "sip_timer_b": 8000,
    "dns_srv_failover_timer": 2000,
    "rtp_ping": False,
    "force_symmetric_rtp": False,
    "rerouting_disconnect_code_ids": None,
    "sst_session_expires": None,
    "sst_refresh_method_id": 1,
    "transport_protocol_id": 1,
    "max_transfers": 0,
    "max_30x_redirects": 0,
}
_INT_RANGES = {"priority": (0, 65535), "weight": (0, 65535), "capacity_limit": (1, 32767)}


@dataclass
class TrunkRecord:
    id: str
    name: str
    configuration: dict[str, Any]  # {"type": ..., "attributes": {...}}
    created_at: datetime
    priority: int = 1
    weight: int = 65535
    capacity_limit: int | None = None
    ringing_timeout: int | None = None
    cli_format: str = "e164"
    cli_prefix: str | None = None
    description: str | None = None
    group_id: str | None = None


@dataclass
class GroupRecord:
    id: str
    name: str
    created_at: datetime
    capacity_limit: int | None = None


@dataclass
class VoiceIn:
    """Trunks and groups of one simulated account, and their endpoints."""

    catalog: cat.Catalog
    state: DidwwState
    trunks: dict[str, TrunkRecord] = field(default_factory=dict)
    groups: dict[str, GroupRecord] = field(default_factory=dict)
    seq: int = 0

    # --- what the DID endpoints ask ----------------------------------------------------------

    def exists(self, rtype: str, rid: str) -> bool:
        return rid in (self.trunks if rtype == TRUNKS else self.groups)

    def render(self, rtype: str, rid: str) -> dict[str, Any] | None:
        if rtype == TRUNKS and rid in self.trunks:
            return self._render_trunk(self.trunks[rid], frozenset(), {})
        if rtype == GROUPS and rid in self.groups:
            return self._render_group(self.groups[rid], frozenset(), {})
        return None

    def plant_trunk(
        self,
        rid: str,
        *,
        name: str = "",
        host: str = "pbx.example.com",
        target: dict[str, str] | None = None,
        priority: int = 1,
        group_id: str | None = None,
    ) -> None:
        """A trunk made outside the API (a test's or an adopted number's existing route):
        ringing ``target`` ({"kind": "sip_uri" | "pstn", "address"}) where given."""
        if rid not in self.trunks:
            if target is not None:
                config = target_configuration(target)
            else:
                attributes = {**_SIP_DEFAULTS, "username": "{DID}", "host": host}
                config = {"type": SIP, "attributes": attributes}
            unique = name if name and all(t.name != name for t in self.trunks.values()) else rid
            self.trunks[rid] = TrunkRecord(
                rid, unique, config, _now(), priority=priority, group_id=group_id
            )

    def plant_group(self, rid: str, *, name: str = "") -> None:
        """A trunk group made outside the API, as ``plant_trunk``."""
        if rid not in self.groups:
            unique = name if name and all(g.name != name for g in self.groups.values()) else rid
            self.groups[rid] = GroupRecord(rid, unique, _now())

    def plant_route(self, made: dict[str, Any], targets: list[dict[str, str]]) -> None:
        """The trunks (and group) a route made, under the ids the API had answered
        (``route_set``'s ``trunk_ids``, ``voice_in_trunk_group_id``): see ``adopt``."""
        group_id = made.get("voice_in_trunk_group_id") or None
        if group_id:
            self.plant_group(group_id, name=made.get("group_name") or "")
        ids = made.get("trunk_ids") or []
        names = list(made.get("trunk_names") or []) + [""] * len(ids)
        for priority, (rid, target, name) in enumerate(
            zip(ids, targets, names, strict=False), start=1
        ):
            self.plant_trunk(rid, name=name, target=target, priority=priority, group_id=group_id)

    # --- dispatch ----------------------------------------------------------------------------

    def handle(self, request: httpx.Request, name: str, rid: str | None) -> httpx.Response:
        method = request.method
        if method == "GET":
            if name == TRUNKS:
                return self._get_trunks(request, rid)
            return self._get_groups(request, rid)
        if method == "POST" and rid is None:
            data = _body(request, name)
            return j.respond(201, self._document(self._create(name, data)))
        if method == "PATCH" and rid is not None:
            data = _body(request, name)
            if data.get("id") != rid:
                raise ApiError(409, "data.id does not match the URL", code="100")
            return j.document(self._update(name, rid, data))
        if method == "DELETE" and rid is not None:
            self._delete(name, rid)
            return j.respond(204, None)
        raise ApiError(404, "Record not found", code="404")

    @staticmethod
    def _document(data: dict[str, Any]) -> dict[str, Any]:
        return {"data": data, "meta": {"api_version": j.API_VERSION}}

    # --- reading -----------------------------------------------------------------------------

    def _get_trunks(self, request: httpx.Request, rid: str | None) -> httpx.Response:
        filters, params = j.query(request, ("id", "name", "configuration.type"))
        inc = j.includes(params, ("voice_in_trunk_group", "pop"))
        if rid is not None:
            included: dict[tuple[str, str], dict] = {}
            return j.document(self._render_trunk(self._trunk(rid), inc, included), included)
        rows = sorted(self.trunks.values(), key=lambda t: (t.created_at, t.id))
        for key, value in filters.items():
            rows = [t for t in rows if _wanted(_trunk_field(t, key), value)]
        return j.collection(request, params, rows, lambda t, i: self._render_trunk(t, inc, i))

    def _get_groups(self, request: httpx.Request, rid: str | None) -> httpx.Response:
        filters, params = j.query(request, ("id", "name"))
        inc = j.includes(params, ("voice_in_trunks",))
        if rid is not None:
            included: dict[tuple[str, str], dict] = {}
            return j.document(self._render_group(self._group(rid), inc, included), included)
        rows = sorted(self.groups.values(), key=lambda g: (g.created_at, g.id))
        for key, value in filters.items():
            rows = [g for g in rows if _wanted(getattr(g, key), value)]
        return j.collection(request, params, rows, lambda g, i: self._render_group(g, inc, i))

    def _trunk(self, rid: str) -> TrunkRecord:
        if rid not in self.trunks:
            raise ApiError(404, "Record not found", code="404")
        return self.trunks[rid]

    def _group(self, rid: str) -> GroupRecord:
        if rid not in self.groups:
            raise ApiError(404, "Record not found", code="404")
        return self.groups[rid]

    # --- writing -----------------------------------------------------------------------------

    def _create(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        attrs = _attributes(data)
        records = self.trunks if name == TRUNKS else self.groups
        rid = ""
        while not rid or rid in records:  # ids planted by a restart's adopt are taken
            self.seq += 1
            rid = self.catalog.uid(name, str(self.seq))
        if name == TRUNKS:
            if "configuration" not in attrs:
                raise _invalid("configuration", "can't be blank")
            trunk = TrunkRecord(rid, "", {}, _now())
            self._apply_trunk(trunk, attrs, data, creating=True)
            self.trunks[rid] = trunk
            return self._render_trunk(trunk, frozenset(), {})
        group = GroupRecord(rid, "", _now())
        self._apply_group(group, attrs, data, creating=True)
        self.groups[rid] = group
        return self._render_group(group, frozenset({"voice_in_trunks"}), {})

    def _update(self, name: str, rid: str, data: dict[str, Any]) -> dict[str, Any]:
        attrs = _attributes(data)
        if name == TRUNKS:
            trunk = self._trunk(rid)
            self._apply_trunk(trunk, attrs, data, creating=False)
            return self._render_trunk(trunk, frozenset(), {})
        group = self._group(rid)
        self._apply_group(group, attrs, data, creating=False)
        return self._render_group(group, frozenset({"voice_in_trunks"}), {})

    def _apply_trunk(
        self, trunk: TrunkRecord, attrs: dict[str, Any], data: dict[str, Any], *, creating: bool
    ) -> None:
        # Validate everything before changing anything: a refused PATCH changes nothing.
        name = self._unique_name(self.trunks, attrs, trunk.id, required=creating)
        config = _configuration(attrs["configuration"]) if "configuration" in attrs else None
        numbers = {key: _int(attrs, key) for key in _INT_RANGES if key in attrs}
        if "ringing_timeout" in attrs:
            timeout = attrs["ringing_timeout"]
            if timeout is not None and (not _is_int(timeout) or not 1 <= timeout <= 32):
                raise _invalid("ringing_timeout", "is invalid")
        if attrs.get("cli_format", "e164") not in ("raw", "e164", "local"):
            raise _invalid("cli_format", "is invalid")
        group_id = self._linkage(data, "voice_in_trunk_group", GROUPS)
        if name is not None:
            trunk.name = name
        if config is not None:
            trunk.configuration = config
        for key, value in numbers.items():
            setattr(trunk, key, value)
        for key in ("ringing_timeout", "cli_format", "cli_prefix", "description"):
            if key in attrs:
                setattr(trunk, key, attrs[key])
        if group_id is not ...:
            trunk.group_id = group_id

    def _apply_group(
        self, group: GroupRecord, attrs: dict[str, Any], data: dict[str, Any], *, creating: bool
    ) -> None:
        name = self._unique_name(self.groups, attrs, group.id, required=creating)
        limit = _int(attrs, "capacity_limit") if "capacity_limit" in attrs else ...
        members = _relationship(data, "voice_in_trunks")
        if members is not ...:
            if not isinstance(members, list):
                raise _invalid("voice_in_trunks", "is invalid")
            ids = []
            for linkage in members:
                if (
                    not isinstance(linkage, dict)
                    or linkage.get("type") != TRUNKS
                    or linkage.get("id") not in self.trunks
                ):
                    raise _invalid("voice_in_trunks", "is invalid")
                other = self.trunks[linkage["id"]].group_id
                if other not in (None, group.id):
                    raise _invalid("voice_in_trunks", "trunk already belongs to another group")
                ids.append(linkage["id"])
        if name is not None:
            group.name = name
        if limit is not ...:
            group.capacity_limit = limit
        if members is not ...:
            for trunk in self.trunks.values():
                if trunk.group_id == group.id and trunk.id not in ids:
                    trunk.group_id = None
            for tid in ids:
                self.trunks[tid].group_id = group.id

    def _unique_name(
        self, records: dict[str, Any], attrs: dict[str, Any], rid: str, *, required: bool
    ) -> str | None:
        if "name" not in attrs:
            if required:
                raise _invalid("name", "can't be blank")
            return None
        name = attrs["name"]
        if not isinstance(name, str) or not name.strip():
            raise _invalid("name", "can't be blank")
        if any(r.name == name and r.id != rid for r in records.values()):
            raise _invalid("name", "has already been taken")
        return name

    def _linkage(self, data: dict[str, Any], name: str, rtype: str) -> Any:
        """A to-one relationship's id, None to clear, ``...`` when absent."""
        linkage = _relationship(data, name)
        if linkage is ... or linkage is None:
            return linkage
        if (
            not isinstance(linkage, dict)
            or linkage.get("type") != rtype
            or not self.exists(rtype, linkage.get("id", ""))
        ):
            raise _invalid(f"{name}_id", "is invalid", label=name)
        return linkage["id"]

    def _delete(self, name: str, rid: str) -> None:
        key = "voice_in_trunk_id" if name == TRUNKS else "voice_in_trunk_group_id"
        record = self._trunk(rid) if name == TRUNKS else self._group(rid)
        if any(getattr(d, key) == rid and not d.terminated for d in self.state.dids.values()):
            raise ApiError(
                422, "is in use", detail=f"{record.name} - is assigned to DIDs", code="100"
            )
        if name == TRUNKS:
            del self.trunks[rid]
            return
        members = [t.id for t in self.trunks.values() if t.group_id == rid]
        del self.groups[rid]
        for tid in members:  # deleting a group deletes its trunks (DIDWW's SDK examples)
            del self.trunks[tid]

    # --- rendering ---------------------------------------------------------------------------

    def _render_trunk(self, t: TrunkRecord, inc: frozenset[str], included: dict) -> dict:
        if "voice_in_trunk_group" in inc and t.group_id:
            group = self.groups[t.group_id]
            included[(GROUPS, group.id)] = self._render_group(group, frozenset(), {})
        return {
            "id": t.id,
            "type": TRUNKS,
            "attributes": {
                "priority": t.priority,
                "capacity_limit": t.capacity_limit,
                "weight": t.weight,
                "name": t.name,
                "cli_format": t.cli_format,
                "cli_prefix": t.cli_prefix,
                "description": t.description,
                "ringing_timeout": t.ringing_timeout,
                "configuration": t.configuration,
                "created_at": _time(t.created_at),
            },
            "relationships": {
                "voice_in_trunk_group": j.rel(
                    TRUNKS,
                    t.id,
                    "voice_in_trunk_group",
                    j.linkage(GROUPS, t.group_id),
                    show="voice_in_trunk_group" in inc,
                ),
                "pop": j.rel(TRUNKS, t.id, "pop"),
            },
        }

    def _render_group(self, g: GroupRecord, inc: frozenset[str], included: dict) -> dict:
        members = sorted(
            (t for t in self.trunks.values() if t.group_id == g.id),
            key=lambda t: (t.priority, -t.weight, t.created_at),
        )
        if "voice_in_trunks" in inc:
            for t in members:
                included[(TRUNKS, t.id)] = self._render_trunk(t, frozenset(), {})
        return {
            "id": g.id,
            "type": GROUPS,
            "attributes": {
                "created_at": _time(g.created_at),
                "name": g.name,
                "capacity_limit": g.capacity_limit,
            },
            "relationships": {
                "voice_in_trunks": j.rel(
                    GROUPS,
                    g.id,
                    "voice_in_trunks",
                    [{"type": TRUNKS, "id": t.id} for t in members],
                    show="voice_in_trunks" in inc,
                )
            },
            "meta": {"trunks_count": len(members)},
        }


# --- helpers ---------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _time(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _invalid(attribute: str, message: str, *, label: str = "") -> ApiError:
    return ApiError(
        422,
        message,
        detail=f"{label or attribute} - {message}",
        code="100",
        pointer=f"/data/attributes/{attribute}",
    )


def _int(attrs: dict[str, Any], key: str) -> int | None:
    value = attrs[key]
    low, high = _INT_RANGES[key]
    if value is None and key == "capacity_limit":
        return None
    if not _is_int(value) or not low <= value <= high:
        raise _invalid(key, "is invalid")
    return value


def _attributes(data: dict[str, Any]) -> dict[str, Any]:
    attrs = data.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise ApiError(400, "data.attributes is not an object", code="100")
    return attrs


def _relationship(data: dict[str, Any], name: str) -> Any:
    relationships = data.get("relationships") or {}
    if not isinstance(relationships, dict):
        raise ApiError(400, "data.relationships is not an object", code="100")
    if name not in relationships:
        return ...
    value = relationships[name]
    if not isinstance(value, dict) or "data" not in value:
        raise _invalid(name, "is invalid")
    return value["data"]


def _configuration(raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("attributes"), dict):
        raise _invalid("configuration", "is invalid")
    kind, attrs = raw.get("type"), dict(raw["attributes"])
    if kind == PSTN:
        dst = attrs.get("dst")
        if not isinstance(dst, str) or not dst.isdigit() or not 7 <= len(dst) <= 15:
            raise _invalid("configuration", "is invalid", label="dst")
        return {"type": PSTN, "attributes": {"dst": dst}}
    if kind != SIP:
        raise _invalid("configuration", "is invalid", label="configuration.type")
    for key in ("host", "username"):
        if not isinstance(attrs.get(key), str) or not attrs[key].strip():
            raise _invalid("configuration", "can't be blank", label=key)
    port = attrs.get("port")
    if port is not None and (not _is_int(port) or not 1 <= port <= 65535):
        raise _invalid("configuration", "is invalid", label="port")
    if attrs.get("transport_protocol_id", 1) not in (1, 2, 3):
        raise _invalid("configuration", "is invalid", label="transport_protocol_id")
    codecs = attrs.get("codec_ids", _SIP_DEFAULTS["codec_ids"])
    if not isinstance(codecs, list) or not codecs or not all(_is_int(c) for c in codecs):
        raise _invalid("configuration", "is invalid", label="codec_ids")
    return {"type": SIP, "attributes": {**_SIP_DEFAULTS, **attrs}}


def target_configuration(target: dict[str, str]) -> dict[str, Any]:
    """A route target ({"kind", "address"}: ``sip:user@host[:port]`` or E.164) as the trunk
    configuration a client of the API would have made for it."""
    address = target.get("address", "")
    if target.get("kind") == "pstn":
        return {"type": PSTN, "attributes": {"dst": address.removeprefix("+")}}
    rest = address.removeprefix("sip:")
    user, _, host = rest.rpartition("@")
    host, _, port = host.partition(":")
    attributes: dict[str, Any] = {**_SIP_DEFAULTS, "username": user or "{DID}", "host": host}
    if port.isdigit():
        attributes["port"] = int(port)
    return {"type": SIP, "attributes": attributes}


def _trunk_field(t: TrunkRecord, key: str) -> str:
    if key == "configuration.type":
        return t.configuration.get("type", "")
    return t.id if key == "id" else t.name


def _wanted(actual: str, value: str) -> bool:
    """A filter value, or one of its comma-separated values (filters that allow arrays)."""
    options = {value.strip().lower(), *(v.strip().lower() for v in value.split(","))}
    return actual.lower() in options
