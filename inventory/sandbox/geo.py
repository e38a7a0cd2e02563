"""Deterministic geography for the provider simulators.

``us_exchanges`` / ``ca_exchanges`` hand out distinct NPA-NXX exchanges with the state or province
and a city, spread round-robin over every region and, inside a region, over its area codes, so
even a small count touches every state. Order is a seeded permutation computed arithmetically
(an affine map over each NPA's NXX list), so 200,000 exchanges cost well under a second and the
same seed gives the same answer in every process (no ``hash()``, only ``random.Random(seed)``).

``COUNTRIES`` and ``sample_numbers`` cover ~20 non-NANP countries (see ``geo_world.py``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from .geo_nanp import CA_TABLE, US_TABLE
from .geo_world import COUNTRIES, CountrySpec

__all__ = [
    "CA_PROVINCES",
    "COUNTRIES",
    "US_STATES",
    "CountrySpec",
    "UsExchange",
    "ca_exchanges",
    "country",
    "sample_numbers",
    "us_exchanges",
]


@dataclass(frozen=True, slots=True)
class UsExchange:
    state: str  # "NY" (or a Canadian province, "ON")
    state_name: str
    npa: str
    nxx: str
    city: str


@dataclass(frozen=True)
class _Npa:
    npa: str
    city: str
    nxxs: tuple[str, ...]  # the central office codes this region may hand out


@dataclass(frozen=True)
class _Region:
    code: str
    name: str
    npas: tuple[_Npa, ...]


# NXX: N is 2-9; N11 are service codes and 555 is reserved for directory/fiction.
ALL_NXX: tuple[str, ...] = tuple(str(n) for n in range(200, 1000) if n % 100 != 11 and n != 555)


def _parse(table: str) -> tuple[_Region, ...]:
    names: dict[str, str] = {}
    rows: dict[str, list[tuple[str, str, tuple[str, ...] | None]]] = {}
    for line in table.strip().splitlines():
        head, _, rest = line.partition(": ")
        code, _, name = head.partition(" ")
        if name:
            names[code] = name
        for item in rest.split("; "):
            npa, _, city = item.partition(" ")
            city, _, owned = city.partition("=")
            rows.setdefault(code, []).append(
                (npa, city, tuple(owned.split("/")) if owned else None)
            )
    # An NPA shared by several regions: explicit NXX lists win, the unlisted region gets the rest.
    claimed: dict[str, set[str]] = {}
    for entries in rows.values():
        for npa, _, owned in entries:
            if owned:
                claimed.setdefault(npa, set()).update(owned)
    regions = []
    for code, entries in rows.items():
        npas = []
        for npa, city, owned in entries:
            if owned is not None:
                nxxs = tuple(sorted(owned))
            else:
                taken = claimed.get(npa, set())
                nxxs = tuple(nxx for nxx in ALL_NXX if nxx not in taken)
            npas.append(_Npa(npa, city, nxxs))
        regions.append(_Region(code, names[code], tuple(npas)))
    return tuple(regions)


_US_REGIONS = _parse(US_TABLE)
_CA_REGIONS = _parse(CA_TABLE)

US_STATES: dict[str, str] = {region.code: region.name for region in _US_REGIONS}
CA_PROVINCES: dict[str, str] = {region.code: region.name for region in _CA_REGIONS}
US_NPAS: dict[str, tuple[str, ...]] = {r.code: tuple(n.npa for n in r.npas) for r in _US_REGIONS}
CA_NPAS: dict[str, tuple[str, ...]] = {r.code: tuple(n.npa for n in r.npas) for r in _CA_REGIONS}
NPA_CITY: dict[str, str] = {n.npa: n.city for r in _US_REGIONS for n in r.npas}
NPA_CITY.update({n.npa: n.city for r in _CA_REGIONS for n in r.npas if n.npa not in NPA_CITY})


def _capacity(regions: tuple[_Region, ...]) -> int:
    return sum(len(n.nxxs) for r in regions for n in r.npas)


def _npa_stream(rng: random.Random, region: _Region, entry: _Npa) -> Iterator[UsExchange]:
    """Every NXX of one NPA once, in a seeded order: i -> (a*i + b) mod n with gcd(a, n) = 1."""
    size = len(entry.nxxs)
    step = rng.randrange(1, max(size, 2))
    while math.gcd(step, size) != 1:
        step = rng.randrange(1, size)
    offset = rng.randrange(size)
    nxxs, state, name, npa, city = entry.nxxs, region.code, region.name, entry.npa, entry.city
    for i in range(size):
        yield UsExchange(state, name, npa, nxxs[(step * i + offset) % size], city)


def _round_robin(streams: list[Iterator[UsExchange]]) -> Iterator[UsExchange]:
    active = list(streams)
    while active:
        still = []
        for stream in active:
            item = next(stream, None)
            if item is not None:
                still.append(stream)
                yield item
        active = still


def _exchanges(regions: tuple[_Region, ...], *, seed: int, count: int, label: str) -> list:
    if count < 0:
        raise ValueError("count must be >= 0")
    capacity = _capacity(regions)
    if count > capacity:
        raise ValueError(f"only {capacity} {label} exchanges exist, asked for {count}")
    rng = random.Random(f"{label}:{seed}")  # noqa: S311 -- reproducible data, not secrets
    order = list(regions)
    rng.shuffle(order)
    region_streams = []
    for region in order:
        npas = list(region.npas)
        rng.shuffle(npas)
        region_streams.append(_round_robin([_npa_stream(rng, region, npa) for npa in npas]))
    result: list[UsExchange] = []
    append = result.append
    for item in _round_robin(region_streams):
        if len(result) >= count:
            break
        append(item)
    return result


def us_exchanges(*, seed: int, count: int) -> list[UsExchange]:
    """``count`` distinct US exchanges, the same for the same seed, spread over 50 states + DC."""
    return _exchanges(_US_REGIONS, seed=seed, count=count, label="us")


def ca_exchanges(*, seed: int, count: int) -> list[UsExchange]:
    """``count`` distinct Canadian exchanges (``state`` holds the province code, "ON")."""
    return _exchanges(_CA_REGIONS, seed=seed, count=count, label="ca")


def country(code: str) -> CountrySpec:
    """The spec for an ISO 3166-1 alpha-2 code; ``KeyError`` when the sandbox doesn't sell it."""
    for spec in COUNTRIES:
        if spec.code == code:
            return spec
    raise KeyError(code)


def _valid(calling_code: int, national: str) -> bool:
    number = phonenumbers.PhoneNumber(country_code=calling_code, national_number=int(national))
    if national.startswith("0"):  # Italy: the leading zero is part of the number
        number.italian_leading_zero = True
        number.number_of_leading_zeros = len(national) - len(national.lstrip("0")) or None
    return phonenumbers.is_valid_number(number)


def sample_numbers(
    *, seed: int, calling_code: str, prefix: str, count: int, length: int
) -> list[str]:
    """``count`` distinct E.164 numbers ``+<calling_code><prefix>…`` with an NSN of ``length``.

    Deterministic for the arguments. Numbers ``phonenumbers`` accepts as valid are preferred; when
    the prefix/length allow too few valid ones, plausible invalid ones fill the rest. Fewer than
    ``count`` are returned only when the prefix leaves fewer distinct numbers. Sorted.
    """
    free = length - len(prefix)
    if free < 0:
        raise ValueError(f"prefix {prefix!r} is longer than the number length {length}")
    space = 10**free
    want = min(count, space)
    rng = random.Random(f"numbers:{seed}:{calling_code}:{prefix}:{length}")  # noqa: S311
    code = int(calling_code)
    # Draw candidates lazily; small spaces are shuffled whole, large ones sampled without repeats.
    budget = min(space, want * 8 + 32)
    candidates = rng.sample(range(space), budget)
    valid: list[str] = []
    spare: list[str] = []
    for value in candidates:
        national = prefix + str(value).zfill(free) if free else prefix
        if _valid(code, national):
            valid.append(national)
            if len(valid) == want:
                break
        elif len(spare) < want:
            spare.append(national)
    chosen = valid + spare[: want - len(valid)]
    return sorted(f"+{calling_code}{national}" for national in chosen)
