"""Explicit registry of provider adapters: kind -> dotted path, imported lazily."""

from __future__ import annotations

from django.utils.module_loading import import_string

ADAPTERS: dict[str, str] = {
    "didww": "inventory.providers.didww.adapter.DidwwAdapter",
    "idtexpress": "inventory.providers.idtexpress.adapter.IdtExpressAdapter",
    "didfarm": "inventory.providers.didfarm.adapter.DidfarmAdapter",
    "pbxme": "inventory.providers.pbxme.adapter.PbxmeAdapter",
}


def adapter_class(kind: str) -> type:
    try:
        return import_string(ADAPTERS[kind])
    except KeyError:
        raise ValueError(f"unknown provider kind {kind!r}") from None
