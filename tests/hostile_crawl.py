"""A crawl of every URL of the URL configuration with hostile input, as each kind of person.

Used by tests/test_hostile_crawl.py on the suite's database (PostgreSQL) and, in a child pytest,
on SQLite (the demo's database): the two fail on different things (PostgreSQL refuses NUL in
text; SQLite cannot bind an integer wider than 64 bits), so a 500 can hide on either.

Every request records (role, method, path, params, status); the test fails on any status >= 500.
The values are rotated over the parameter names rather than crossed with them, so each name meets
every value over the roles while the crawl stays a few thousand requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.test import Client as WebClient
from django.urls import URLPattern, URLResolver, get_resolver

HUGE = "9" * 41
HOSTILE_VALUES = [HUGE, "-1", "abc", "x" * 10_000, "\x00", "ü∆😀", "", "1e400", "-" + HUGE, "0"]

# Names the views and their forms read (request.GET/POST, forms' fields), and generic ones.
PARAM_NAMES = [
    "page", "q", "country", "region", "npa", "nxx", "city", "area", "type", "feature", "sort",
    "client", "reseller", "item", "rule", "pk", "sku", "quantity", "numbers", "billing_cycle",
    "amount", "reason", "key", "date_from", "date_to", "kind", "status", "method", "reference",
    "note", "idempotency_key", "payment", "form", "email", "role", "name", "full_name",
    "password1", "password2", "time_zone", "number_type", "percent", "display_name", "domain",
    "accent_colour", "support_email", "billing_country", "contact_email", "save_profile",
    "save_company", "next", "login", "password", "code", "o", "p", "e", "all",
]  # fmt: skip

# One at a time (a form refusing one bad field would hide what the view does with another):
# the names views read outside a form, or as ids, with the values that broke them.
SINGLE_NAMES = [
    "page", "city", "client", "reseller", "item", "rule", "pk", "q", "area", "country", "type",
    "sort", "date_from", "kind", "status",
]  # fmt: skip
SINGLE_VALUES = [HUGE, "abc", "\x00"]
# POSTed one at a time over plausible values of the rest, so that a view gets past its first
# check (a checkout key, a payment method) to the id it reads.
PLAUSIBLE = {
    "key": "crawl-checkout-key", "idempotency_key": "crawl-key", "method": "cash",
    "billing_cycle": "monthly", "quantity": "1", "level": "retail", "percent": "10",
    "reason": "crawl", "reference": "crawl", "amount": "1.00", "role": "client_user",
}  # fmt: skip
SINGLE_POST_NAMES = ["item", "rule", "sku", "quantity", "numbers", "payment", "amount", "client"]
# Who sweeps one name at a time: one person of each kind (staff and users see subsets).
SINGLE_ROLES = {"platform_admin", "reseller_owner", "client_admin"}
# Of the admin's lists, these (tenant and money filters) are swept one name at a time; every
# admin list gets the rounds with all names set.
SINGLE_ADMIN_PATHS = {
    "/admin/billing/order/",
    "/admin/customers/client/",
    "/admin/billing/posting/",
}


def admin_paths() -> list[str]:
    """The admin's own pages are Django's: its index and each registered model's list (their
    filters and searches are ours) are crawled, not every add/change/delete page."""
    from django.contrib import admin

    return ["/admin/"] + [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
    ]


SKIPPED_PREFIXES = ("/admin/", "/healthz")

# Webhook bodies: providers sign them, so each must be refused (4xx), never crash.
WEBHOOK_BODIES = [
    b"",
    b"\x00",
    b"{",
    b'{"data": {"id": ' + HUGE.encode() + b"}}",
    b'[{"event": null, "number": "\\u0000"}]',
    ("x" * 10_000).encode(),
    "ü∆😀".encode(),
]


@dataclass(frozen=True)
class Failure:
    role: str
    method: str
    path: str
    params: str
    status: int
    error: str = ""

    def __str__(self) -> str:
        where = f"{self.role} {self.method} {self.path[:80]} {self.params[:100]!r}"
        return f"{where} -> {self.status} {self.error}"


def _error(response) -> str:
    exc_info = getattr(response, "exc_info", None)
    return f"{exc_info[0].__name__}: {str(exc_info[1])[:150]}" if exc_info else ""


def url_routes() -> list[tuple[str, str]]:
    """(route text, name) of every path() in the URL configuration, includes flattened."""
    routes: list[tuple[str, str]] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            text = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + text)
            elif isinstance(pattern, URLPattern):
                routes.append((prefix + text, pattern.name or ""))

    walk(get_resolver().url_patterns, "")
    return routes


_CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


REAL = "real"  # in path_values: the id of a real object of the crawl's tenant


def real_id(route_so_far: str, real_ids: dict[str, int]) -> str:
    """The id of a real object for the converter that ends ``route_so_far`` (first key found)."""
    return str(next(pk for key, pk in real_ids.items() if key in route_so_far))


def fill(route: str, value_for: dict[str, str], real_ids: dict[str, int]) -> str | None:
    """The route with its converters replaced; None for regex routes (allauth's, the admin's)."""
    if "^" in route or "(?P" in route:
        return None

    def value(match: re.Match) -> str:
        chosen = value_for[match.group("kind") or "str"]
        return real_id(route[: match.end()], real_ids) if chosen == REAL else chosen

    return "/" + _CONVERTER.sub(value, route)


# Hostile values of each converter kind; the first set names real objects of the viewer's tenant.
PATH_VALUES = [
    {"int": REAL, "str": "DH-0000001", "slug": "reseller-0", "path": "a"},
    {"int": HUGE, "str": "x" * 10_000, "slug": "a" * 10_000, "path": "x" * 300},
    {"int": "0", "str": "ü∆😀%00", "slug": "-", "path": "%00"},
]


def hostile_params(offset: int) -> dict[str, str]:
    return {
        name: HOSTILE_VALUES[(index + offset) % len(HOSTILE_VALUES)]
        for index, name in enumerate(PARAM_NAMES)
    }


def crawl_paths(real_ids: dict[str, int]) -> list[str]:
    paths: set[str] = set(admin_paths())
    for route, name in url_routes():
        if name == "provider_webhook":
            continue
        for values in PATH_VALUES:
            path = fill(route, values, real_ids)
            if path is None or path.startswith(SKIPPED_PREFIXES):
                continue
            paths.add(path)
    paths.add("/admin/operations/")
    paths.add(f"/admin/operations/retry/{HUGE}/")
    paths.add("/admin/operations/retry/0/")
    for action in ("retry", "done"):
        paths.add(f"/admin/operations/upstream/{HUGE}/{action}/")
        paths.add(f"/admin/operations/upstream/0/{action}/")
    return sorted(paths)


def crawl(
    client: WebClient, role: str, user, role_index: int, real_ids: dict[str, int]
) -> list[Failure]:
    """GET and POST every path as ``user`` (None: anonymous), signed in again before each path
    (the crawl passes through /accounts/logout/ and may change the password)."""
    failures: list[Failure] = []
    for path_index, path in enumerate(crawl_paths(real_ids)):
        if user is not None:
            client.force_login(user)
        # Every name with a different hostile value (each name meets every value over the roles
        # and paths), then every name with the same one.
        same = HOSTILE_VALUES[(role_index + path_index) % len(HOSTILE_VALUES)]
        for params in (
            hostile_params(role_index * 3 + path_index),
            dict.fromkeys(PARAM_NAMES, same),
        ):
            for method in ("get", "post"):
                response = getattr(client, method)(path, params)
                if response.status_code >= 500:
                    failures.append(
                        Failure(role, method.upper(), path, str(params),
                                response.status_code, _error(response))
                    )  # fmt: skip
        if role in SINGLE_ROLES and (not path.startswith("/admin/") or path in SINGLE_ADMIN_PATHS):
            failures += _one_at_a_time(client, role, user, path)
    return failures


def _one_at_a_time(client: WebClient, role: str, user, path: str) -> list[Failure]:
    """Each of SINGLE_NAMES alone in the query of a page the person can open (answers 200).

    POSTs need not: what views read raw from a POST (rule, item, key) is read before any form,
    so the rounds with every name set reach it."""
    failures = []
    if user is not None:
        client.force_login(user)
    if client.post(path, PLAUSIBLE).status_code not in (302, 401, 403, 404, 405):
        for name in SINGLE_POST_NAMES:
            for value in (HUGE, "abc"):
                if user is not None:
                    client.force_login(user)
                response = client.post(path, {**PLAUSIBLE, name: value})
                if response.status_code >= 500:
                    failures.append(
                        Failure(role, "POST", path, f"{name}={value[:50]!r} over PLAUSIBLE",
                                response.status_code, _error(response))
                    )  # fmt: skip
    if user is not None:
        client.force_login(user)
    if client.get(path).status_code != 200:
        return failures
    for name in SINGLE_NAMES:
        for value in SINGLE_VALUES:
            response = client.get(path, {name: value})
            if response.status_code >= 500:
                failures.append(
                    Failure(role, "GET", path, f"{name}={value[:50]!r}",
                            response.status_code, _error(response))
                )  # fmt: skip
    return failures


def crawl_webhooks(client: WebClient, account_names: list[str]) -> list[Failure]:
    failures = []
    for name in [*account_names, "x" * 10_000, "ü∆😀"]:
        path = f"/webhooks/providers/{name}/"
        for body in WEBHOOK_BODIES:
            for content_type in ("application/json", "application/x-www-form-urlencoded"):
                response = client.post(path, body, content_type=content_type)
                if response.status_code >= 500:
                    failures.append(
                        Failure(
                            "provider",
                            "POST",
                            path[:80],
                            repr(body[:60]),
                            response.status_code,
                            _error(response),
                        )
                    )
        response = client.get(path, hostile_params(0))
        if response.status_code >= 500:
            failures.append(
                Failure(
                    "provider",
                    "GET",
                    path[:80],
                    "hostile query",
                    response.status_code,
                    _error(response),
                )
            )
    return failures
