"""Reading upstream actions: what waits for a platform admin (the operations page), and what a
number's latest request upstream is (for billing's pages). Platform-wide on purpose: only
platform admins read the lists, through the admin."""

from __future__ import annotations

from django.db.models import Count, Q

from .models_routing import Destination, TrunkOp
from .models_upstream import UpstreamAction, UpstreamState

ROW_LIMIT = 50


def upstream_attention_counts() -> dict[str, int]:
    """Dead actions (a job gave up) and manual ones (an admin must act upstream): one query."""
    return UpstreamAction.objects.aggregate(
        upstream_dead=Count("pk", filter=Q(state=UpstreamState.DEAD)),
        upstream_manual=Count("pk", filter=Q(state=UpstreamState.MANUAL)),
    )


def _trunks_to_delete():
    """Client SIP trunks whose deletion the provider refused (DIDfarm documents no delete
    call): an admin deletes each in the provider's portal, then marks it deleted."""
    return Destination.objects.filter(
        trunk_op=TrunkOp.DELETE, next_attempt_at__isnull=True, lease_until__isnull=True
    )


def trunks_to_delete_count() -> int:
    return _trunks_to_delete().count()


def trunks_to_delete_rows(*, limit: int = ROW_LIMIT) -> list[Destination]:
    rows = (
        _trunks_to_delete()
        .select_related("client", "reseller", "provider_account")
        .defer(
            "secret",
            "provider_account__credentials",
            "provider_account__webhook_secret",
            "provider_account__sandbox_faults",
            "provider_account__last_sync_counts",
        )
        .order_by("deleted_at", "pk")
    )
    return list(rows[:limit])


def upstream_attention_rows(*, state: str, limit: int = ROW_LIMIT) -> list[UpstreamAction]:
    """The oldest actions in ``state`` with what the page shows of them, in one query (the
    provider account's secrets are never loaded)."""
    rows = (
        UpstreamAction.objects.filter(state=state)
        .select_related("number__provider_account", "number__client", "number__reseller")
        .defer(
            "number__provider_account__credentials",
            "number__provider_account__webhook_secret",
            "number__provider_account__sandbox_faults",
            "number__provider_account__last_sync_counts",
        )
        .order_by("updated_at", "pk")
    )
    return list(rows[:limit])


def upstream_releases_done(*, number_ids: list[int]) -> set[int]:
    """Which of these numbers the provider has released (or an admin released by hand): billing
    moves a number from "releasing" to "released" only for these."""
    return set(
        UpstreamAction.objects.filter(
            number_id__in=number_ids, kind="release", state=UpstreamState.DONE
        ).values_list("number_id", flat=True)
    )
