"""What each number can ring, read from its provider's adapter (``routing``), never guessed.

The pages show this before the client chooses: per destination kind, whether this number
supports it and, when not, why, in words that never name the provider.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models_numbers import IN_SERVICE, Number, NumberStatus
from .models_routing import Destination, DestinationKindChoice, DestinationState
from .providers.registry import adapter_class
from .providers.types import DestinationKind, RoutingSupport

NO_ROUTING = RoutingSupport(mode="none")
KINDS = (DestinationKind.SIP_URI, DestinationKind.PSTN, DestinationKind.TRUNK)


def support_for(provider_kind: str) -> RoutingSupport:
    return getattr(adapter_class(provider_kind), "routing", NO_ROUTING)


def makes_trunks(provider_kind: str) -> bool:
    cls = adapter_class(provider_kind)
    support = support_for(provider_kind)
    return (
        "trunks" in getattr(cls, "capabilities", frozenset())
        and support.mode == "api"
        and DestinationKind.TRUNK in support.kinds
    )


def _not_kind(kind: str) -> str:
    return {
        DestinationKind.SIP_URI: _("This number cannot ring a SIP address."),
        DestinationKind.PSTN: _("This number cannot be forwarded to a phone number."),
        DestinationKind.TRUNK: _("This number cannot ring a SIP trunk."),
    }[DestinationKind(kind)]


MANUAL_NOTE = gettext_lazy(
    "Set up on request: our team applies the change by hand, usually within one business day."
)


@dataclass(frozen=True)
class KindOption:
    kind: str
    label: str
    supported: bool
    reason: str  # why not, when not supported


@dataclass(frozen=True)
class NumberSupport:
    mode: str  # "api" | "manual" | "none"
    options: tuple[KindOption, ...]
    failover: bool
    blocked: str  # why this number's routing cannot change now ("" when it can)

    @property
    def manual(self) -> bool:
        return self.mode == "manual"

    def allows(self, kind: str) -> KindOption:
        return next(option for option in self.options if option.kind == kind)


def status_blocks(number: Number) -> str:
    """Why the number's routing cannot change in its current state ("" when it can)."""
    if number.status == NumberStatus.SUSPENDED:
        return _("This number is suspended: pay the renewal first, then change its routing.")
    if number.status == NumberStatus.AWAITING_DOCUMENTS:
        return _("This number is waiting for its documents; route it once they are approved.")
    if number.status not in IN_SERVICE:
        return _("This number is being released.")
    return ""


def number_support(number: Number, trunks: Iterable[Destination] = ()) -> NumberSupport:
    """Per destination kind, whether ``number`` can ring it: ``trunks`` are the client's ready
    trunks (a trunk rings only numbers on the provider account it was made on)."""
    support = support_for(number.provider_account.kind)
    labels = dict(DestinationKindChoice.choices)
    options = []
    for kind in KINDS:
        if support.mode == "none":
            reason = _("Calls to this number cannot be routed from here.")
        elif kind not in support.kinds:
            reason = _not_kind(kind)
        elif kind == DestinationKind.TRUNK and not any(
            trunk.provider_account_id == number.provider_account_id for trunk in trunks
        ):
            reason = _("None of your SIP trunks can reach this number: add a SIP trunk for it.")
        else:
            reason = ""
        options.append(KindOption(kind, str(labels[kind]), not reason, reason))
    return NumberSupport(
        mode=support.mode,
        options=tuple(options),
        failover=support.failover,
        blocked=status_blocks(number),
    )


@dataclass(frozen=True)
class KindSummary:
    kind: str
    label: str
    numbers: int  # of the client's numbers that can ring this kind
    manual: int  # of which set up on request


def client_matrix(numbers: Iterable[Number]) -> tuple[list[KindSummary], int]:
    """How many of these numbers can ring each kind (the Destinations page), and how many
    numbers there are; trunks count numbers whose provider can ring a trunk we make."""
    counts: dict[str, int] = defaultdict(int)
    manual: dict[str, int] = defaultdict(int)
    total = 0
    for number in numbers:
        total += 1
        support = support_for(number.provider_account.kind)
        for kind in support.kinds if support.mode != "none" else ():
            if kind == DestinationKind.TRUNK and not makes_trunks(number.provider_account.kind):
                continue
            counts[kind] += 1
            if support.mode == "manual":
                manual[kind] += 1
    labels = dict(DestinationKindChoice.choices)
    rows = [KindSummary(k, str(labels[k]), counts[k], manual[k]) for k in KINDS]
    return rows, total


def ready_trunks(client_id: int) -> list[Destination]:
    return list(
        Destination.objects.filter(
            client_id=client_id,
            kind=DestinationKind.TRUNK,
            state=DestinationState.READY,
            deleted_at__isnull=True,
        )
    )
