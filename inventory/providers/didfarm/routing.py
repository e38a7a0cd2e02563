"""DIDfarm routing and client SIP trunks (issue #12), as the Connect guide documents them.

- ``POST /portal/sip-trunks`` {name, auth_type} makes a trunk; its ``password`` comes back only
  in that answer (and on ``POST /portal/sip-trunks/{uuid}/regenerate-credentials``).
- ``GET /portal/sip-trunks`` lists them (without passwords).
- ``POST /portal/did-routing`` {did_number_id, sip_trunk_id} rings a number on a trunk. The guide
  writes the trunk's ``id`` (7) there and its ``uuid`` (``trk_a1b2c3d4``) in the regenerate path;
  a trunk's external id for didhub is its uuid (its id where DIDfarm sends no uuid), and the id
  for did-routing is read from the listing when the create answer did not carry one.

Neither document gives a call that deletes a trunk: ``trunk_delete`` refuses (an admin deletes
it in DIDfarm's portal). After a lost create answer, ``trunk_create`` with the same name finds
the trunk in the listing and regenerates its credentials instead of making a second one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import InvalidRequest, NotFound, Unavailable
from ..routes import route_check
from ..types import Route, RoutingSupport, TrunkCredentials
from .client import DidfarmClient
from .wire import LABEL

if TYPE_CHECKING:
    from . import wire

SIP_SERVER = "sip.didfarm.com"  # the guide's sip_server, where an answer leaves it out


class DidfarmRouting:
    """Mixed into ``DidfarmAdapter``, which provides ``_owned``."""

    client: DidfarmClient
    routing: ClassVar[RoutingSupport]

    if TYPE_CHECKING:

        def _owned(self, number: str) -> wire.OwnedDid: ...

    def route_set(self, number: str, route: Route) -> dict[str, Any]:
        """Ring the trunk ``route.target.address`` (its uuid or id); returns ``did_number_id``
        and ``sip_trunk_id`` as ``suspension_snapshot`` records them."""
        route_check(LABEL, self.routing, route)
        did = self._owned(number)
        if did.status == "released":
            raise NotFound(f"{LABEL}: {did.number} was released")
        trunk_id = self._trunk_id(route.target.address)
        if did.sip_trunk_id != trunk_id:  # already there (a retry after a lost answer): no call
            self.client.route(did.id, trunk_id)
        return {"did_number_id": did.id, "sip_trunk_id": trunk_id}

    def trunk_create(self, name: str) -> TrunkCredentials:
        wanted = name.strip()
        if not wanted:
            raise InvalidRequest(f"{LABEL}: a SIP trunk needs a name", field="name")
        existing = self._trunk_named(wanted)
        if existing is not None:  # made by a call whose answer was lost: new password, same trunk
            return self._credentials(self._regenerate(existing), existing)
        made = self.client.create_trunk(wanted)
        if not made.password:  # the one answer that carries it did not: make a new one
            return self._credentials(self._regenerate(made), made)
        return self._credentials(made, made)

    def trunk_regenerate(self, external_id: str) -> TrunkCredentials:
        fresh = self.client.regenerate_trunk_credentials(external_id.strip())
        known = fresh
        if not (fresh.name and fresh.username):  # an answer of the password alone
            known = self._trunk_by_id(external_id) or fresh
        return self._credentials(fresh, known)

    def trunk_delete(self, external_id: str) -> None:
        raise InvalidRequest(
            f"{LABEL}'s API documents no way to delete a SIP trunk: delete trunk {external_id} "
            "in the DIDfarm portal",
            field="trunk",
        )

    # --- helpers -------------------------------------------------------------------------------

    def _regenerate(self, trunk: wire.Trunk) -> wire.Trunk:
        return self.client.regenerate_trunk_credentials(trunk.uuid or trunk.id)

    def _trunk_named(self, name: str) -> wire.Trunk | None:
        found = [t for t in self.client.trunks() if t.name == name]
        # Oldest first should DIDfarm hold two of a name (made outside didhub): the same one
        # every time, so retries never spread over both.
        return min(found, key=lambda t: (len(t.id), t.id, t.uuid)) if found else None

    def _trunk_by_id(self, external_id: str) -> wire.Trunk | None:
        wanted = external_id.strip()
        return next((t for t in self.client.trunks() if wanted in (t.uuid, t.id)), None)

    def _trunk_id(self, address: str) -> str:
        """The id did-routing takes, from a trunk's uuid or id."""
        wanted = address.strip()
        if wanted.isdigit():
            return wanted
        trunk = self._trunk_by_id(wanted) if wanted else None
        if trunk is None:
            raise InvalidRequest(
                f"{LABEL}: {address!r} is not one of this account's SIP trunks",
                field="address",
            )
        return trunk.id or trunk.uuid

    @staticmethod
    def _credentials(fresh: wire.Trunk, known: wire.Trunk) -> TrunkCredentials:
        if not fresh.password:
            raise Unavailable(f"{LABEL} answered without the trunk's new password")
        return TrunkCredentials(
            external_id=known.uuid or known.id,
            name=fresh.name or known.name,
            sip_server=fresh.sip_server or known.sip_server or SIP_SERVER,
            username=fresh.username or known.username,
            password=fresh.password,
        )
