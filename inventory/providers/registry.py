"""The explicit registry of providers: one line per provider, kind -> its package.

Each package declares ``PROVIDER`` (a ``ProviderDescription``, see ``description.py``); the rest of
didhub derives what it needs from ``PROVIDERS``. Adding a provider: docs/adding-a-provider.md.
The order here is the order of the model's choices and of every listing.
"""

from __future__ import annotations

from importlib import import_module

from .description import ProviderDescription

# kind -> the provider's package (its ``__init__`` declares ``PROVIDER``).
PROVIDER_PACKAGES: dict[str, str] = {
    "didww": "inventory.providers.didww",
    "idtexpress": "inventory.providers.idtexpress",
    "didfarm": "inventory.providers.didfarm",
    "pbxme": "inventory.providers.pbxme",
}


def _load(packages: dict[str, str]) -> dict[str, ProviderDescription]:
    """The packages' descriptions (light: adapters, simulators and receivers load when used)."""
    found: dict[str, ProviderDescription] = {}
    for kind, package in packages.items():
        description = import_module(package).PROVIDER
        if description.kind != kind:
            raise ValueError(f"{package} describes {description.kind!r}, registered as {kind!r}")
        found[kind] = description
    return found


PROVIDERS: dict[str, ProviderDescription] = _load(PROVIDER_PACKAGES)

# kind -> adapter class path (kept for callers that only need the adapter)
ADAPTERS: dict[str, str] = {kind: d.adapter for kind, d in PROVIDERS.items()}


def provider_kind_choices() -> list[tuple[str, str]]:
    """``ProviderAccount.kind``'s choices. A callable, so migrations record this function rather
    than the list: registering a provider needs no migration. Keep its path stable."""
    return [(kind, description.label) for kind, description in PROVIDERS.items()]


def provider(kind: str) -> ProviderDescription:
    try:
        return PROVIDERS[kind]
    except KeyError:
        raise ValueError(f"unknown provider kind {kind!r}") from None


def adapter_class(kind: str) -> type:
    return provider(kind).adapter_class
