"""Selectors: the functions that read actors.

Two rules that several parts share live here:
- who counts as an actor's group over time (`actor_group_windows`): its member groups while they
  were members, and the same organisation under its other names, both ways in time;
- who was active where and when (`actor_activity`): the actor's own period, cut short by its
  renaming or succession, and narrowed by its dated presences (French forces left Mali in 2022)
  or, for an actor present only attached to a state force (Wagner in Mali), by the attachment.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import TrigramSimilarity
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pghistory.models import Events

from actors.models import (
    Actor,
    ActorAlias,
    ActorKind,
    ActorPresence,
    ActorRelation,
    AliasKind,
    RelationType,
)
from actors.names import Normalise, normalise_name

NEVER, FOREVER = date.min, date.max
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActorWindow:
    """Incidents of `actor_id` dated within [start, end] count as the group's."""

    actor_id: int
    start: date = NEVER
    end: date = FOREVER


def actor_group_windows(actor_ids: list[int], *, members: bool = True) -> list[ActorWindow]:
    """The actors, under all their names, and (with `members`) their member groups, each with the
    period in which its incidents count as the group's.

    Renames are followed both ways and whatever the date (asking for ISSP over 2020 finds ISGS's
    incidents; asking for ISGS in 2023 finds ISSP's): a renamed group is one organisation.
    Members count only while they were members, transitively (Katiba Macina was a member of
    Ansar Dine from 2015 and of JNIM from 2017: for JNIM, its incidents from March 2017 count).
    """
    relations = list(
        ActorRelation.objects.filter(
            type__in=[RelationType.RENAMED_TO, RelationType.MEMBER_OF]
        ).values_list("source_id", "target_id", "type", "start_date", "end_date")
    )
    best: dict[int, list[tuple[date, date]]] = {}
    todo = [(a, NEVER, FOREVER) for a in actor_ids]
    while todo:
        actor, start, end = todo.pop()
        windows = best.setdefault(actor, [])
        if any(s <= start and end <= e for s, e in windows):
            continue  # already covered by a wider window
        windows.append((start, end))
        for source, target, kind, r_start, r_end in relations:
            if kind == RelationType.RENAMED_TO and actor in (source, target):
                todo.append((target if actor == source else source, start, end))
            elif kind == RelationType.MEMBER_OF and members and target == actor:
                s, e = max(start, r_start or NEVER), min(end, r_end or FOREVER)
                if s <= e:
                    todo.append((source, s, e))
    return [
        ActorWindow(actor, start, end)
        for actor, windows in sorted(best.items())
        for start, end in windows
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e in windows)
    ]


def actor_groups_fingerprint() -> str:
    """Changes whenever what `actor_group_windows` answers may change: the actors, and their
    renamings and memberships with their dates (what the map's per-actor summary is built from)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT md5(concat(
              (SELECT string_agg(id::text, ',' ORDER BY id) FROM actors_actor), '|',
              (SELECT string_agg(concat_ws(':', source_id, target_id, type, start_date, end_date),
                                 ',' ORDER BY source_id, target_id, type, start_date, end_date)
               FROM actors_actorrelation WHERE type = ANY(%s))))
            """,
            [[RelationType.RENAMED_TO, RelationType.MEMBER_OF]],
        )
        return cursor.fetchone()[0]


def actors_matching_name(text: str, on: date | None = None) -> QuerySet[Actor]:
    """Actors with an alias equal to `text` once normalised (case, accents, punctuation), and
    valid on `on` when given ("CSP" is the CSP-PSD in 2022, the CSP-DPA in late 2024)."""
    aliases = Q(aliases__normalised=Normalise(Value(text)))
    if on is not None:
        aliases &= Q(aliases__valid_from__isnull=True) | Q(aliases__valid_from__lte=on)
        aliases &= Q(aliases__valid_until__isnull=True) | Q(aliases__valid_until__gte=on)
    return Actor.objects.filter(aliases).distinct()


@dataclass(frozen=True)
class Resemblance:
    """An existing actor one of the typed names resembles, and by which of its aliases."""

    actor: Actor
    typed: str
    alias: str
    similarity: float


# Trigram similarity (pg_trgm, on the normalised names: case, accents and punctuation aside)
# from which a typed name is said to resemble an alias ("Katibat Macina" / "Katiba Macina").
RESEMBLANCE_THRESHOLD = 0.45


def actors_resembling(
    names: list[str], *, exclude_id: int | None = None, limit: int = 10
) -> list[Resemblance]:
    """Existing actors with an alias equal to or resembling one of `names` once normalised
    (trigram similarity of at least RESEMBLANCE_THRESHOLD), most similar first, each actor
    once: the duplicate warning of the actor form."""
    found: dict[int, Resemblance] = {}
    for typed in {n.strip() for n in names if n and n.strip()}:
        key = Normalise(Value(typed))
        aliases = (
            ActorAlias.objects.annotate(similarity=TrigramSimilarity("normalised", key))
            .filter(Q(normalised=key) | Q(similarity__gte=RESEMBLANCE_THRESHOLD))
            .select_related("actor")
            .order_by("-similarity", "actor_id")
        )
        if exclude_id is not None:
            aliases = aliases.exclude(actor_id=exclude_id)
        for alias in aliases[:limit]:
            similarity = 1.0 if alias.normalised == normalise_name(typed) else alias.similarity
            current = found.get(alias.actor_id)
            if current is None or similarity > current.similarity:
                found[alias.actor_id] = Resemblance(alias.actor, typed, alias.name, similarity)
    ordered = sorted(found.values(), key=lambda r: (-r.similarity, r.actor.name))
    return ordered[:limit]


@dataclass
class ActorActivity:
    """Where and when one actor was active. `presence` maps a country to the periods the actor
    was there, where that differs from its own period; other countries of the actor use it."""

    actor_id: int
    slug: str
    label: str
    kind: str
    start: date
    end: date
    countries: frozenset[str]
    presence: dict[str, list[tuple[date, date]]] = field(default_factory=dict)

    def active(self, country: str, first: date, last: date) -> bool:
        """Active in `country` for the whole of [first, last]."""
        if first < self.start or last > self.end:
            return False
        if self.countries and country not in self.countries:
            return False
        if country not in self.presence:
            return True
        return any(a <= first and last <= b for a, b in self.presence[country])


def actor_activity() -> dict[str, ActorActivity]:
    """Every actor's activity (see the module docstring), by slug."""
    activity: dict[str, ActorActivity] = {}
    for a in Actor.objects.only(
        "id", "slug", "name", "acronym", "kind", "countries", "active_from", "active_until"
    ):
        activity[a.slug] = ActorActivity(
            actor_id=a.id,
            slug=a.slug,
            label=a.acronym or a.name,
            kind=a.kind,
            start=a.active_from or NEVER,
            end=a.active_until or FOREVER,
            countries=frozenset(a.countries or ()),
        )
    by_id = {a.actor_id: a for a in activity.values()}
    ends = (RelationType.RENAMED_TO, RelationType.SUCCEEDED_BY)
    relations = list(
        ActorRelation.objects.filter(type__in=[*ends, RelationType.ATTACHED_TO])
        .select_related("target")
        # "attached_to" sorts first: a scoped succession then cuts the presence it gives.
        .order_by("type", "source_id", "start_date")
    )
    for r in relations:
        source = by_id.get(r.source_id)
        if source is None:
            continue
        if r.type == RelationType.ATTACHED_TO:
            if r.target.kind == ActorKind.STATE:
                for country in r.target.countries[:1]:
                    window = (r.start_date or NEVER, r.end_date or FOREVER)
                    source.presence.setdefault(country, []).append(window)
        elif r.start_date and not r.countries:
            # Renamed or succeeded: the old name stops there.
            source.end = min(source.end, r.start_date)
        elif r.start_date:
            # ... or only in the relation's countries, when it is scoped to some.
            for country in r.countries:
                windows = source.presence.get(country) or [(source.start, source.end)]
                source.presence[country] = [
                    (a, min(b, r.start_date)) for a, b in windows if a <= r.start_date
                ]
    presences: dict[tuple[int, str], list[tuple[date, date]]] = {}
    for p in ActorPresence.objects.all():
        presences.setdefault((p.actor_id, p.country_code), []).append(
            (p.start_date or NEVER, p.end_date or FOREVER)
        )
    for (actor_id, country), windows in presences.items():
        actor = by_id[actor_id]
        # A dated presence narrows what the attachments (or the actor's period) allow.
        allowed = actor.presence.get(country) or [(actor.start, actor.end)]
        actor.presence[country] = [
            (max(a, s), min(b, e)) for a, b in allowed for s, e in windows if max(a, s) <= min(b, e)
        ]
    return activity


# --- The actor directory and an actor's page (actors/views.py) -------------------------------
# These reads join actors with the incidents they took part in. The incidents app imports this
# module (its actor filter reads actor_group_windows), so they import incidents where they run.

# Counts that took at least SLOW_SECONDS to make are kept KEEP_SECONDS in the cache (per
# database, question and visibility), so that a million incidents are counted once every few
# minutes rather than on every view; the pages then say when they were counted. Small databases
# (and the tests) are counted afresh every time.
SLOW_SECONDS = 0.5
KEEP_SECONDS = 300
# An actor's incidents on its map: counts per cell of a grid of BASE_GRID degrees (about 5 km),
# coarsened by one of GRID_FACTORS (the least that does) to at most MAX_MAP_CELLS cells.
BASE_GRID = 0.05
GRID_FACTORS = (1, 2, 5, 10, 20, 50, 100)
MAX_MAP_CELLS = 1000
# The roles an actor's fatalities are split by (ActorIncidents.roles), as SQL conditions on a
# participant `p`.
ROLES = {
    "actor1": "p.acled_position = 'actor1'",
    "actor2": "p.acled_position = 'actor2'",
    "assoc_actor_1": "p.acled_position = 'assoc_actor_1'",
    "assoc_actor_2": "p.acled_position = 'assoc_actor_2'",
    "side_a": "p.ucdp_side = 'A'",
    "side_b": "p.ucdp_side = 'B'",
    "claimed": "p.claimed_responsibility",
}


@dataclass(frozen=True)
class Counted:
    """What a count found, when, and whether it was kept from an earlier request."""

    value: object
    counted_at: datetime
    kept: bool = False


def _counted(key: str, count) -> Counted:
    """`count()`, or its result kept in the cache when it was slow to make (SLOW_SECONDS)."""
    db = connection.settings_dict
    key = f"actors:{db.get('HOST')}:{db.get('PORT')}:{db['NAME']}:{key}"
    try:
        kept = cache.get(key)
    except Exception:  # the cache backend's connection errors (Redis down) differ by backend
        logger.warning("cache unavailable: counting without it", exc_info=True)
        kept = None
    if kept is not None:
        return Counted(kept.value, kept.counted_at, kept=True)
    started = time.monotonic()
    counted = Counted(count(), timezone.now())
    if time.monotonic() - started >= SLOW_SECONDS:
        try:
            cache.set(key, counted, KEEP_SECONDS)
        except Exception:
            logger.warning("cache unavailable: the count is not kept", exc_info=True)
    return counted


def _visibility(user) -> str:
    """Which incidents the user sees (incidents_visible_to), as a part of a cache key."""
    return "all" if user.has_perm("incidents.change_incident") else "published"


def _rows_sql(queryset: QuerySet, *fields: str, prefix: str) -> tuple[str, dict]:
    """The SQL of a queryset's rows (unordered), its %s placeholders named `prefix0`,
    `prefix1`..., so that it can sit beside named parameters in one statement."""
    sql, params = queryset.order_by().values(*fields).query.sql_with_params()
    parts = sql.split("%s")
    named = "".join(
        part + (f"%({prefix}{n})s" if n < len(parts) - 1 else "") for n, part in enumerate(parts)
    )
    return named, {f"{prefix}{n}": value for n, value in enumerate(params)}


def _windows_params(windows: list[ActorWindow], prefix: str) -> dict:
    """Group windows as three arrays, for unnest(...) in SQL."""
    return {
        f"{prefix}_actors": [w.actor_id for w in windows],
        f"{prefix}_starts": [w.start for w in windows],
        f"{prefix}_ends": [w.end for w in windows],
    }


def actors_for_directory() -> QuerySet[Actor]:
    """Every actor, with what the directory shows of it (its presences give countries)."""
    return Actor.objects.prefetch_related(
        Prefetch("presences", ActorPresence.objects.order_by("country_code", "start_date"))
    )


@dataclass(frozen=True)
class ActorCount:
    """How many incidents the user may see an actor took part in, under any of its names (as
    the map's actor filter counts them without member groups), and the date of the last."""

    incidents: int
    last: date | None


def actor_incident_counts(user) -> Counted:
    """{actor id: ActorCount} for every actor in an incident the user may see. One pass over
    the participants; at a million incidents it takes a second or two, so the answer may be
    one kept from a few minutes ago (see SLOW_SECONDS)."""
    from incidents.selectors import incidents_visible_to

    def count() -> dict[int, ActorCount]:
        # Without member groups, a group only follows renames: an actor never renamed is
        # its own group, and actor_group_windows need only be asked about the others.
        renamed = set()
        for pair in ActorRelation.objects.filter(type=RelationType.RENAMED_TO).values_list(
            "source_id", "target_id"
        ):
            renamed.update(pair)
        windows = [
            (actor_id, w)
            for actor_id in Actor.objects.order_by("pk").values_list("pk", flat=True)
            for w in (
                actor_group_windows([actor_id], members=False)
                if actor_id in renamed
                else [ActorWindow(actor_id)]
            )
        ]
        visible, params = _rows_sql(incidents_visible_to(user), "id", "date_start", prefix="v")
        params.update(
            _windows_params([w for _, w in windows], "g"),
            group_actors=[actor_id for actor_id, _ in windows],
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # Two million participants are sorted to count each incident once: in memory.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(
                f"""
                WITH g (actor_id, member_id, first_day, last_day) AS (
                  SELECT * FROM unnest(%(group_actors)s::bigint[], %(g_actors)s::bigint[],
                                       %(g_starts)s::date[], %(g_ends)s::date[])
                )
                SELECT g.actor_id, count(DISTINCT v.id), max(v.date_start)
                FROM g
                JOIN incidents_incidentactor p ON p.actor_id = g.member_id
                JOIN ({visible}) v
                  ON v.id = p.incident_id AND v.date_start BETWEEN g.first_day AND g.last_day
                GROUP BY g.actor_id
                """,
                params,
            )
            return {actor_id: ActorCount(n, last) for actor_id, n, last in cursor.fetchall()}

    return _counted(f"counts:{_visibility(user)}", count)


def actor_profile(slug: str) -> Actor:
    """One actor with its aliases (names first, then acronyms, spellings and former names) and
    its presences; Actor.DoesNotExist when there is no such slug."""
    kinds = [
        AliasKind.NAME,
        AliasKind.ACRONYM,
        AliasKind.TRANSLITERATION,
        AliasKind.FORMER_NAME,
        AliasKind.ACLED,
        AliasKind.UCDP,
    ]
    kind_order = Case(*[When(kind=k, then=Value(n)) for n, k in enumerate(kinds)], default=99)
    return Actor.objects.prefetch_related(
        Prefetch(
            "aliases",
            ActorAlias.objects.order_by(kind_order, F("valid_from").asc(nulls_first=True), "name"),
        ),
        Prefetch("presences", ActorPresence.objects.order_by("country_code", "start_date")),
    ).get(slug=slug)


def actor_relations(actor_id: int) -> list[ActorRelation]:
    """The actor's relations, both ways, with the actors at either end, oldest first (those
    with no known start first of all)."""
    return list(
        ActorRelation.objects.filter(Q(source_id=actor_id) | Q(target_id=actor_id))
        .select_related("source", "target")
        .order_by(F("start_date").asc(nulls_first=True), "type", "id")
    )


@dataclass(frozen=True)
class ActorIncidents:
    """An actor's incidents that the user may see (with or without its member groups), counted.

    `months`: (first day, incidents, fatalities) for every month from the first incident's to
    the last's. `cells`: (longitude, latitude, incidents, fatalities, most frequent event type)
    per cell of a `grid`-degree grid, the point being the mean of the incidents' points, the
    fullest first. `roles`: for each of ROLES, (incidents, fatalities) of the incidents in which
    the actor (or a member) held it. `civilians`: (incidents, civilians killed) where a
    civilian-harm assessment names it the alleged perpetrator (graded "discounted" left out;
    of several assessments of one incident, the highest count). Fatalities are the incidents'
    best estimates, where known: the dead of all sides, not those the actor killed."""

    incidents: int
    fatalities: int
    first: date | None
    last: date | None
    months: list[tuple[date, int, int]]
    grid: float
    cells: list[tuple[float, float, int, int, str]]
    roles: dict[str, tuple[int, int]]
    civilians: tuple[int, int]


def actor_incidents(user, actor_id: int, *, members: bool) -> Counted:
    """ActorIncidents of the actor under any of its names and, with `members`, of its member
    groups while they were members: the incidents the map's actor filter selects
    (incidents.filters.incidents_by_actors), counted in one statement. For the largest groups
    at a million incidents it takes a second or two, so the answer may be one kept from a few
    minutes ago (see SLOW_SECONDS)."""
    from incidents.filters import incidents_by_actors
    from incidents.selectors import incidents_visible_to

    windows = actor_group_windows([actor_id], members=members)

    def count() -> ActorIncidents:
        selected = incidents_by_actors(incidents_visible_to(user), [actor_id], members=members)
        rows, params = _rows_sql(
            selected, "id", "date_start", "fatalities_best", "location", "event_type", prefix="m"
        )
        params.update(
            _windows_params(windows, "g"),
            grid=BASE_GRID,
            factors=list(GRID_FACTORS),
            max_cells=MAX_MAP_CELLS,
        )
        flags = ",\n".join(f"bool_or({condition}) AS {name}" for name, condition in ROLES.items())
        sums = ", ".join(
            f"count(*) FILTER (WHERE {name}), coalesce(sum(f) FILTER (WHERE {name}), 0)"
            for name in ROLES
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # The largest groups hash a few hundred thousand incident ids: in memory, not on disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(
                f"""
                WITH m AS MATERIALIZED ({rows}),
                g (actor_id, first_day, last_day) AS (
                  SELECT * FROM unnest(%(g_actors)s::bigint[], %(g_starts)s::date[],
                                       %(g_ends)s::date[])
                ),
                roles AS (
                  SELECT m.id, m.fatalities_best AS f, {flags}
                  FROM m
                  JOIN incidents_incidentactor p ON p.incident_id = m.id
                  JOIN g ON g.actor_id = p.actor_id
                        AND m.date_start BETWEEN g.first_day AND g.last_day
                  WHERE p.actor_id = ANY(%(g_actors)s::bigint[])
                  GROUP BY m.id, m.fatalities_best
                ),
                fine AS (
                  SELECT round(ST_X(location) / %(grid)s)::int AS cx,
                         round(ST_Y(location) / %(grid)s)::int AS cy, event_type,
                         count(*) AS n, sum(coalesce(fatalities_best, 0)) AS f,
                         sum(ST_X(location)) AS sx, sum(ST_Y(location)) AS sy
                  FROM m WHERE location IS NOT NULL GROUP BY 1, 2, 3
                ),
                places AS MATERIALIZED (SELECT DISTINCT cx, cy FROM fine),
                ladder AS (
                  SELECT k, (SELECT count(*) FROM (
                               SELECT DISTINCT floor(cx::float8 / k), floor(cy::float8 / k)
                               FROM places) c) AS cells
                  FROM unnest(%(factors)s::int[]) AS k
                ),
                chosen AS (SELECT k FROM ladder ORDER BY cells > %(max_cells)s, k LIMIT 1),
                coarse AS (
                  SELECT floor(cx::float8 / k) AS gx, floor(cy::float8 / k) AS gy, event_type,
                         sum(n) AS n, sum(f) AS f, sum(sx) AS sx, sum(sy) AS sy
                  FROM fine CROSS JOIN chosen GROUP BY 1, 2, 3
                ),
                cells AS (
                  SELECT sum(sx) / sum(n) AS lon, sum(sy) / sum(n) AS lat, sum(n) AS n,
                         sum(f) AS f, (array_agg(event_type ORDER BY n DESC, event_type))[1] AS t
                  FROM coarse GROUP BY gx, gy
                )
                SELECT
                  (SELECT json_build_array(count(*), coalesce(sum(fatalities_best), 0),
                                           min(date_start), max(date_start)) FROM m),
                  (SELECT json_agg(json_build_array(month, n, f) ORDER BY month) FROM (
                     SELECT date_trunc('month', date_start)::date AS month, count(*) AS n,
                            coalesce(sum(fatalities_best), 0) AS f
                     FROM m GROUP BY 1) months),
                  (SELECT json_build_array({sums}) FROM roles),
                  (SELECT k FROM chosen),
                  (SELECT json_agg(json_build_array(round(lon::numeric, 4), round(lat::numeric, 4),
                                                    n, f, t) ORDER BY n DESC, lon, lat)
                   FROM cells)
                """,
                params,
            )
            totals, months, roles, factor, cells = cursor.fetchone()
        counted_months = {date.fromisoformat(m): (n, f) for m, n, f in months or []}
        role_counts = dict(zip(ROLES, zip(roles[::2], roles[1::2], strict=True), strict=True))
        return ActorIncidents(
            incidents=totals[0],
            fatalities=totals[1],
            first=date.fromisoformat(totals[2]) if totals[2] else None,
            last=date.fromisoformat(totals[3]) if totals[3] else None,
            months=_every_month(counted_months),
            grid=round(BASE_GRID * (factor or 1), 4),
            cells=[tuple(cell) for cell in cells or []],
            roles=role_counts,
            civilians=_civilians_harmed(user, windows),
        )

    key = ",".join(f"{w.actor_id}:{w.start}:{w.end}" for w in windows)
    return _counted(f"incidents:{_visibility(user)}:{actor_id}:{key}", count)


def _every_month(counted: dict[date, tuple[int, int]]) -> list[tuple[date, int, int]]:
    """(month, incidents, fatalities) from the first counted month to the last, zeros between."""
    if not counted:
        return []
    month, last = min(counted), max(counted)
    series = []
    while month <= last:
        series.append((month, *counted.get(month, (0, 0))))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return series


def _civilians_harmed(user, windows: list[ActorWindow]) -> tuple[int, int]:
    """(incidents, civilians killed) of the incidents the user may see in which a civilian-harm
    assessment names an actor of the group (within its window) the alleged perpetrator;
    assessments graded "discounted" left out; of several for one incident, the highest count."""
    from django.db.models import Max
    from django.db.models.functions import Coalesce

    from incidents.models import CivilianHarmReport, HarmGrade
    from incidents.models.harm import HARM_CATEGORIES
    from incidents.selectors import incidents_visible_to

    alleged = Q(pk__in=[])
    for w in windows:
        alleged |= Q(
            alleged_perpetrator_id=w.actor_id,
            incident__date_start__gte=w.start,
            incident__date_start__lte=w.end,
        )
    killed = sum(Coalesce(F(f"killed_{category}"), 0) for category in HARM_CATEGORIES)
    per_incident = (
        CivilianHarmReport.objects.filter(alleged, incident__in=incidents_visible_to(user))
        .exclude(grade=HarmGrade.DISCOUNTED)
        .values("incident")
        .annotate(killed=Max(killed))
        .order_by()
    )
    found = [row["killed"] for row in per_incident]
    return len(found), sum(found)


@dataclass(frozen=True)
class ActorChange:
    """One recorded write to an actor, one of its aliases or one of its relations."""

    when: datetime
    who: str
    what: str
    action: str
    changes: list[tuple[str, object, object]]


def actor_history(actor: Actor, *, limit: int = 200) -> list[ActorChange]:
    """Every recorded write to the actor, its aliases and the relations it is part of (deleted
    ones too), newest first: who (the user, or the command that loaded the catalogue), what,
    and each field from what to what."""
    event_ids = {
        Actor: Actor.pgh_event_model.objects.filter(pgh_obj_id=actor.pk),
        ActorAlias: ActorAlias.pgh_event_model.objects.filter(actor_id=actor.pk),
        ActorRelation: ActorRelation.pgh_event_model.objects.filter(
            Q(source_id=actor.pk) | Q(target_id=actor.pk)
        ),
    }
    events = []
    for model, queryset in event_ids.items():
        events += list(
            Events.objects.filter(
                pgh_model=model.pgh_event_model._meta.label,
                pgh_id__in=list(queryset.values_list("pgh_id", flat=True)),
            )
        )
    # One save writes the actor before its aliases and relations (same timestamp).
    rank = {m.pgh_event_model._meta.label: n for n, m in enumerate(event_ids)}
    events.sort(key=lambda e: (e.pgh_created_at, rank[e.pgh_model], e.pgh_id))
    user_ids = {(e.pgh_context or {}).get("user") for e in events} - {None}
    users = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    labels = {
        "actors.Actor": _("actor"),
        "actors.ActorAlias": _("alias"),
        "actors.ActorRelation": _("relation"),
    }
    hidden = {"id", "created_at", "updated_at", "normalised", "catalogue"}
    previous: dict[tuple, dict] = {}
    found = []
    for event in events:
        key = (event.pgh_obj_model, event.pgh_obj_id)
        data, before = event.pgh_data, previous.get(key, {})
        previous[key] = data
        changes = [
            (name, before.get(name), value)
            for name, value in data.items()
            if name not in hidden
            and event.pgh_label != "delete"
            and (before.get(name) != value if before else value not in (None, "", [], {}))
        ]
        if event.pgh_label == "update" and not changes:
            continue
        context = event.pgh_context or {}
        who = users.get(context.get("user")) or context.get("command") or "—"
        name = data.get("name") or f"#{event.pgh_obj_id}"
        found.append(
            ActorChange(
                when=event.pgh_created_at,
                who=str(who),
                what=f"{labels[event.pgh_obj_model]} {name}",
                action=event.pgh_label,
                changes=changes,
            )
        )
    return found[::-1][:limit]
