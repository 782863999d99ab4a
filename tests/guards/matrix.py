"""The permission matrix guard's machinery: list every URL pattern of the URL configuration, turn
the access table (tests/guards/access_table.py) into requests, check that the table covers every
pattern and admin model, and compare what each role gets with what the table says.

The guard (tests/guards/test_permissions.py) and the tests showing that it can fail use these same
functions."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse

from tests.guards import access_table as table
from tests.guards.access_table import Case, Sample

ACTIONS = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class Pattern:
    """One URL pattern: its full route (joined the way Django joins ResolverMatch.route) and its
    name with namespaces ("admin:index"), None when unnamed."""

    route: str
    name: str | None

    @property
    def key(self) -> str:
        """Its key in the access table: the name, or the route for an unnamed pattern."""
        return self.name or self.route


@dataclass(frozen=True)
class Mismatch:
    entry: str
    url: str
    role: str
    expected: str
    got: str

    def __str__(self) -> str:
        return (
            f"GET {self.url} as {self.role}: expected {self.expected}, got {self.got}"
            f"  [{self.entry}]"
        )


def _join(prefix: str, route: str) -> str:
    # As django.urls.resolvers.URLResolver._join_route.
    return route if not prefix else prefix + route.removeprefix("^")


def url_patterns(urlconf: str | None = None) -> list[Pattern]:
    """Every URL pattern of the URL configuration (settings.ROOT_URLCONF by default), through
    every include, the admin site's included."""
    found: list[Pattern] = []

    def walk(entries, prefix: str, namespace: str) -> None:
        for entry in entries:
            route = _join(prefix, str(entry.pattern))
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, route, inner)
            else:
                name = None
                if entry.name:
                    name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append(Pattern(route, name))

    walk(get_resolver(urlconf).url_patterns, "", "")
    return found


def admin_cases(
    admin_models: Mapping[str, Mapping[str, frozenset]], site: admin.AdminSite = admin.site
) -> dict[str, list[Case]]:
    """The admin rows of the table expanded into the URLs of each registered model, and the app
    index page of each app. Non-staff are sent to the admin login everywhere; staff get 200 where
    the row allows the action and 403 where it does not; an app's index shows to staff who have
    any right on one of its models (404 for others, Django's answer)."""
    prefix = reverse(f"{site.name}:index").lstrip("/")
    cases: dict[str, list[Case]] = {}
    apps: dict[str, set[str]] = {}
    for model in site._registry:
        opts = model._meta
        row = admin_models.get(opts.label_lower)
        if row is None:
            continue  # reported by coverage_problems
        see = row["view"] | row["change"]
        url = f"{site.name}:{opts.app_label}_{opts.model_name}"
        obj = {"object_id": table.admin_object(opts.label_lower)}
        cases[f"{url}_changelist"] = [Case(table.admin_site_allowed(see))]
        cases[f"{url}_add"] = [Case(table.admin_site_allowed(row["add"]))]
        cases[f"{url}_change"] = [Case(table.admin_site_allowed(see), params=obj)]
        cases[f"{url}_history"] = [Case(table.admin_site_allowed(see), params=obj)]
        cases[f"{url}_delete"] = [Case(table.admin_site_allowed(row["delete"]), params=obj)]
        # <object_id>/ alone redirects staff to the change page (old admin URLs).
        redirect = f"{prefix}{opts.app_label}/{opts.model_name}/<path:object_id>/"
        cases[redirect] = [Case(table.admin_site(table.REDIRECT), params=obj)]
        apps.setdefault(opts.app_label, set()).update(*(row[action] for action in ACTIONS))
    cases[f"{site.name}:app_list"] = [
        Case(
            table.admin_site(
                {role: table.OK if role in roles else table.NOT_FOUND for role in table.STAFF}
            ),
            params={"app_label": app},
            label=app,
        )
        for app, roles in sorted(apps.items())
    ]
    return cases


def expected_cases(
    urls: Mapping[str, Case | tuple[Case, ...]] | None = None,
    admin_models: Mapping[str, Mapping[str, frozenset]] | None = None,
    site: admin.AdminSite = admin.site,
) -> dict[str, list[Case]]:
    """The whole table (by default access_table's): URLS and the expanded admin rows, by key."""
    urls = table.URLS if urls is None else urls
    admin_models = table.ADMIN_MODELS if admin_models is None else admin_models
    cases = admin_cases(admin_models, site)
    # An entry in URLS for an expanded admin URL is reported by coverage_problems; URLS wins here.
    cases.update({key: list(e) if isinstance(e, tuple) else [e] for key, e in urls.items()})
    return cases


def coverage_problems(
    patterns: Iterable[Pattern],
    urls: Mapping[str, Case | tuple[Case, ...]] | None = None,
    admin_models: Mapping[str, Mapping[str, frozenset]] | None = None,
    site: admin.AdminSite = admin.site,
    roles: Iterable[str] = table.ROLES,
) -> list[str]:
    """What the table (by default access_table's) is missing or has too much: URL patterns
    without an entry, admin models without a row, entries and rows matching nothing, entries that
    leave a role out, URLs that both URLS and the admin rows give."""
    urls = table.URLS if urls is None else urls
    admin_models = table.ADMIN_MODELS if admin_models is None else admin_models
    cases = expected_cases(urls, admin_models, site)
    roles = tuple(roles)
    problems = [
        f"entry {key!r} is in URLS but the admin rows give it already: keep one"
        for key in sorted(set(urls) & set(admin_cases(admin_models, site)))
    ]
    registered = {model._meta.label_lower for model in site._registry}
    problems += [
        f"admin model {label} is registered but has no row in ADMIN_MODELS"
        for label in sorted(registered - set(admin_models))
    ]
    problems += [
        f"ADMIN_MODELS row {label}: no such model is registered in the admin"
        for label in sorted(set(admin_models) - registered)
    ]
    for label, row in admin_models.items():
        if set(row) != set(ACTIONS):
            problems.append(f"ADMIN_MODELS row {label}: give exactly {', '.join(ACTIONS)}")
        unknown = set().union(*row.values()) - set(roles)
        if unknown:
            problems.append(f"ADMIN_MODELS row {label}: unknown roles {sorted(unknown)}")
    patterns = list(patterns)
    by_key: dict[str, list[Pattern]] = {}
    for pattern in patterns:
        by_key.setdefault(pattern.key, []).append(pattern)
    for key, same in by_key.items():
        if len(same) > 1:
            routes = ", ".join(repr(p.route) for p in same)
            problems.append(f"URL name {key} is used by {len(same)} patterns ({routes})")
    problems += [
        f"URL pattern {p.route!r} (name {p.name}) has no entry in the access table"
        for p in patterns
        if p.key not in cases
    ]
    for key, entry in cases.items():
        if key not in by_key:
            problems.append(f"entry {key!r} matches no URL pattern")
        for case in entry:
            missing = [role for role in roles if role not in case.expect]
            extra = [role for role in case.expect if role not in roles]
            if missing or extra:
                problems.append(
                    f"entry {key!r}{_label(case)}: missing roles {missing}, unknown roles {extra}"
                )
    return problems


_PATH_PARAMETER = re.compile(r"<(?:[^>:]+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


class UnbuildableURL(Exception):
    """A case's URL cannot be made: a parameter without a value, or a URL that resolves to
    another pattern."""


def build_url(pattern: Pattern, case: Case, samples: Mapping[str, object]) -> str:
    """The URL of `pattern` with the case's parameters filled in and its query string, checked
    to resolve to that very pattern."""
    values = {}
    for name, value in case.params.items():
        if isinstance(value, Sample):
            if value.name not in samples:
                raise UnbuildableURL(f"no sample value {value.name!r} for parameter {name}")
            value = samples[value.name]
        values[name] = str(value)

    def fill(match: re.Match) -> str:
        if match.group(1) not in values:
            raise UnbuildableURL(f"no value for route parameter {match.group(1)!r}")
        return values[match.group(1)]

    path = _PATH_PARAMETER.sub(fill, _REGEX_GROUP.sub(fill, pattern.route))
    path = re.sub(r"\\(.)", r"\1", path.replace("^", "").replace("$", ""))
    url = "/" + path
    route = resolve(url).route
    if route != pattern.route:
        raise UnbuildableURL(f"{url} resolves to {route!r}, not to this pattern")
    return f"{url}?{case.query}" if case.query else url


def outcome(response) -> str:
    """The response in the table's terms; a redirect says where it goes."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return str(response.status_code)
    target = urlsplit(response["Location"]).path
    if target == resolve_url(settings.LOGIN_URL):
        where = "the login page"
    elif target == reverse("admin:login"):
        where = "the admin login"
    else:
        return table.REDIRECT if response.status_code == 302 else f"{response.status_code}"
    return f"{response.status_code} to {where}"


def check_access(
    patterns: Iterable[Pattern],
    cases: Mapping[str, list[Case]],
    clients: Mapping[str, Client],
    samples: Mapping[str, object],
) -> list[Mismatch]:
    """Requests every case of every pattern as every role and returns each answer that differs
    from the table (patterns without an entry are coverage_problems' business)."""
    mismatches = []
    for pattern in patterns:
        for case in cases.get(pattern.key, []):
            entry = f"{pattern.key}{_label(case)}"
            try:
                url = build_url(pattern, case, samples)
            except UnbuildableURL as exc:
                mismatches += [
                    Mismatch(entry, pattern.route, role, expected, f"not requested: {exc}")
                    for role, expected in case.expect.items()
                ]
                continue
            for role, expected in case.expect.items():
                try:
                    got = outcome(clients[role].get(url))
                except Exception as exc:  # a view that crashes is reported with the rest
                    got = f"exception {type(exc).__name__}: {exc}"
                if got != expected:
                    mismatches.append(Mismatch(entry, url, role, expected, got))
    return mismatches


def _label(case: Case) -> str:
    return f" [{case.label}]" if case.label else ""
