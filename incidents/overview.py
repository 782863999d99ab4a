"""Selectors of the overview page: what a monitor reads at a glance, for the incidents the
filters select (the one IncidentFilterSet, over what the user may see) in a period of whole
months. Plain data out (dataclasses); no HTML, no URLs.

- Per month and event type: incidents, fatalities and civilians killed (best estimates). An
  incident counts in the month it started; one that started before the period and lasted into
  it counts in the period's first month, so the months add up to the incidents the list shows
  for the same filters.
- Per actor: the incidents each took part in (once per incident, whatever its roles), and their
  fatalities. Civilians, whom ACLED codes as an actor where they were the target, are left out:
  they are the subject of the civilian fatalities, not an actor.
- The admin areas (admin1 and admin2) that changed most: incidents that started in the period's
  last month against the monthly average of the three months before it (whatever the period's
  start).

All three are read in one statement that selects the matching incidents once (a materialized
CTE) and groups them three ways. The map's summary (incidents_mapcell, see incidents/mapdata.py)
could answer the monthly counts and the areas for date, country and event-type filters, but it
keeps neither the civilian estimate nor the actors: the period's incidents have to be read in
any case, and once they are read, grouping them per month and per area costs little (see
`overview_figures` for what was measured), so there is one way of counting, not two.
"""

import json
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from actors.models import Actor, ActorKind
from incidents import mapdata
from incidents.filters import IncidentFilterSet, filter_errors
from incidents.geo.models import AdminArea
from incidents.models import IncidentActor
from incidents.selectors import incidents_visible_to
from incidents.taxonomy import EventType

# No dates given: the last DEFAULT_MONTHS - 1 full months and the current one.
DEFAULT_MONTHS = 13
# Twenty years of bars is already more than a page can show legibly.
MAX_MONTHS = 240
COMPARED_MONTHS = 3
EVENT_TYPES = [e.value for e in EventType]


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s, within the calendar
    Python knows (years 1 to 9999: a date typed as 0001 or 9999 is no reason for an error)."""
    index = day.year * 12 + day.month - 1 + months
    index = min(max(index, 12), 9999 * 12 + 11)
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    if (day.year, day.month) == (9999, 12):
        return date.max
    return date.fromordinal(add_months(day, 1).toordinal() - 1)


@dataclass(frozen=True)
class OverviewPeriod:
    """The months shown: from `start` to `end` (the filter's dates, or the default period), and
    where the default came from."""

    start: date
    end: date
    start_given: bool
    end_given: bool
    # The day the default end is the month of: the latest start date among the incidents the
    # user may see, or today when there is none (or it lies in the future).
    anchor: date
    anchored_on_latest: bool

    @property
    def months(self) -> list[date]:
        first, last = month_start(self.start), month_start(self.end)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        return [add_months(first, n) for n in range(count)]

    @property
    def this_month(self) -> tuple[date, date]:
        """The period's last month (up to the period's end): what the areas are compared on."""
        return month_start(self.end), self.end

    @property
    def previous_months(self) -> tuple[date, date]:
        """The COMPARED_MONTHS months before it."""
        first = month_start(self.end)
        return add_months(first, -COMPARED_MONTHS), date.fromordinal(first.toordinal() - 1)


def overview_period(
    user: AbstractBaseUser, date_from: date | None, date_to: date | None, *, today: date
) -> OverviewPeriod:
    """The period shown. A date not given is filled in: the end with the end of the month of
    the latest incident the user may see (today's month when there is none); the start with the
    first day of the month DEFAULT_MONTHS - 1 months before the end's. ValidationError naming
    the parameter when the dates are in the wrong order or too far apart."""
    latest = incidents_visible_to(user).aggregate(latest=Max("date_start"))["latest"]
    anchored_on_latest = latest is not None and latest <= today
    anchor = latest if anchored_on_latest else today
    end = date_to or month_end(max(anchor, date_from or anchor))
    start = date_from or add_months(end, -(DEFAULT_MONTHS - 1))
    if end < start:
        raise ValidationError({"date_to": _("the end date is before the start date")})
    period = OverviewPeriod(
        start, end, date_from is not None, date_to is not None, anchor, anchored_on_latest
    )
    if len(period.months) > MAX_MONTHS:
        raise ValidationError(
            {
                "date_from": ValidationError(
                    _("the overview shows at most %(months)s months: choose a later start date"),
                    params={"months": MAX_MONTHS},
                )
            }
        )
    return period


class OverviewQuery:
    """The overview's question: the filters (IncidentFilterSet, the same as the list's) checked,
    the period resolved, and the incidents the user may see that match them."""

    def __init__(self, user: AbstractBaseUser, params: QueryDict, *, today: date | None = None):
        self.user = user
        self.params = params.copy()
        filterset = IncidentFilterSet(self.params, queryset=incidents_visible_to(user))
        self.errors: dict[str, list[str]] = {} if filterset.is_valid() else filter_errors(filterset)
        self.period: OverviewPeriod | None = None
        if self.errors:
            return
        cleaned = filterset.form.cleaned_data
        try:
            self.period = overview_period(
                user,
                cleaned.get("date_from"),
                cleaned.get("date_to"),
                today=today or timezone.localdate(),
            )
        except ValidationError as exc:
            self.errors.update(exc.message_dict)

    def filtered(self, start: date, end: date) -> QuerySet:
        """The matching incidents between `start` and `end` (as the list's date filters take
        them: those whose days overlap the range)."""
        params = self.params.copy()
        params["date_from"], params["date_to"] = start.isoformat(), end.isoformat()
        filterset = IncidentFilterSet(params, queryset=incidents_visible_to(self.user))
        if not filterset.is_valid():  # checked in __init__; only the dates changed
            raise ValueError(filter_errors(filterset))
        return filterset.qs


@dataclass
class MonthFigures:
    """One month's figures, per event type (EventType values) and in all. A best estimate that
    is unknown is not counted as zero: the incidents without one are counted apart."""

    month: date
    incidents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENT_TYPES, 0))
    fatalities: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENT_TYPES, 0))
    fatalities_unknown: int = 0  # incidents without a best estimate of fatalities
    civilians_killed: int = 0
    civilians_unknown: int = 0  # incidents without a best estimate of civilians killed

    @property
    def total_incidents(self) -> int:
        return sum(self.incidents.values())

    @property
    def total_fatalities(self) -> int:
        return sum(self.fatalities.values())


@dataclass(frozen=True)
class ActorFigures:
    id: int
    slug: str
    name: str
    kind: str
    kind_label: str
    incidents: int
    fatalities: int  # the sum of the best estimates known
    fatalities_unknown: int  # incidents without a best estimate


@dataclass(frozen=True)
class ActorRanking:
    by_incidents: list[ActorFigures]
    by_fatalities: list[ActorFigures]
    actors: int  # actors (civilians left out) that took part in any of the incidents


@dataclass(frozen=True)
class AreaChange:
    id: int
    level: int
    name: str
    parent: str  # the admin1 area of an admin2 area, else ""
    country_code: str
    this_month: int
    previous_average: float  # incidents per month in the COMPARED_MONTHS before
    change: float  # this_month - previous_average
    relative: float | None  # change / previous_average; None when there were none before

    @property
    def percent(self) -> float | None:
        return None if self.relative is None else 100 * self.relative


@dataclass(frozen=True)
class AreaChanges:
    level: int
    risers: list[AreaChange]
    fallers: list[AreaChange]


@dataclass(frozen=True)
class Overview:
    months: list[MonthFigures]
    actors: ActorRanking
    areas: list[AreaChanges]  # admin1, then admin2

    @property
    def incidents(self) -> int:
        return sum(m.total_incidents for m in self.months)

    @property
    def fatalities(self) -> int:
        return sum(m.total_fatalities for m in self.months)

    @property
    def fatalities_unknown(self) -> int:
        return sum(m.fatalities_unknown for m in self.months)

    @property
    def civilians_killed(self) -> int:
        return sum(m.civilians_killed for m in self.months)

    @property
    def civilians_unknown(self) -> int:
        return sum(m.civilians_unknown for m in self.months)


FIGURES_SQL = """
WITH d AS MATERIALIZED ({incidents}),
months AS (
    SELECT GREATEST(date_trunc('month', d.date_start)::date, %(first_month)s::date) AS month,
           d.event_type, count(*) AS n, COALESCE(sum(d.fatalities_best), 0) AS fatalities,
           count(*) - count(d.fatalities_best) AS fatalities_unknown,
           COALESCE(sum(d.killed_civilians_best), 0) AS civilians,
           count(*) - count(d.killed_civilians_best) AS civilians_unknown
    FROM d WHERE d.date_end >= %(start)s
    GROUP BY 1, 2
),
actors AS (
    SELECT a.actor_id, count(*) AS n, COALESCE(sum(d.fatalities_best), 0) AS fatalities,
           count(*) - count(d.fatalities_best) AS fatalities_unknown
    FROM d CROSS JOIN LATERAL (
        SELECT DISTINCT p.actor_id FROM {participants} p WHERE p.incident_id = d.id
    ) AS a
    WHERE d.date_end >= %(start)s
    GROUP BY 1
),
areas AS (
    SELECT 1 AS level, d.admin1_id AS area, d.date_start >= %(this_month)s AS now, count(*) AS n
    FROM d WHERE d.admin1_id IS NOT NULL AND d.date_start >= %(compared_from)s
    GROUP BY 2, 3
    UNION ALL
    SELECT 2, d.admin2_id, d.date_start >= %(this_month)s, count(*)
    FROM d WHERE d.admin2_id IS NOT NULL AND d.date_start >= %(compared_from)s
    GROUP BY 2, 3
)
SELECT
    (SELECT COALESCE(json_agg(json_build_array(m.month, m.event_type, m.n, m.fatalities,
        m.fatalities_unknown, m.civilians, m.civilians_unknown)), '[]') FROM months m)::text,
    (SELECT COALESCE(json_agg(json_build_array(a.actor_id, a.n, a.fatalities,
        a.fatalities_unknown)), '[]') FROM actors a)::text,
    (SELECT COALESCE(json_agg(json_build_array(r.level, r.area, r.now, r.n)), '[]')
        FROM areas r)::text
"""


def overview_figures(query: OverviewQuery, *, limit: int = 10) -> Overview:
    """Every figure of the overview, from one statement: the matching incidents are selected
    once, over the period and the areas' comparison months, and grouped per month and event
    type, per actor and per admin area (see the module's docstring for what counts where).

    At 1,000,000 incidents (the bench database; its default period holds 177,000), the
    statement took: unfiltered 0.75-0.8 s, one country over one year 0.35 s, JNIM with its
    members 1.1-1.2 s (0.87 s of it selecting the incidents: the actor filter's EXISTS per
    incident), the whole of 2012-2025 3.3-3.6 s. The costs are reading the period's incidents
    and looking up each one's participants (an index-only scan per incident)."""
    period = query.period
    compared_from = period.previous_months[0]
    this_month = period.this_month[0]
    incidents = query.filtered(min(period.start, compared_from), period.end).order_by()
    sql, params = mapdata._sql(
        incidents,
        "id",
        "date_start",
        "date_end",
        "event_type",
        "fatalities_best",
        "killed_civilians_best",
        "admin1_id",
        "admin2_id",
    )
    statement = FIGURES_SQL.format(
        incidents=mapdata._named(sql), participants=IncidentActor._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                "first_month": period.months[0],
                "start": period.start,
                "this_month": this_month,
                "compared_from": compared_from,
                **mapdata._named_params(params),
            },
        )
        months, actors, areas = (json.loads(text) for text in cursor.fetchone())
    french = (get_language() or "en").startswith("fr")
    return Overview(
        months=_months(period, months),
        actors=_actors(actors, french=french, limit=limit),
        areas=_areas(areas, french=french, limit=limit),
    )


def _months(period: OverviewPeriod, rows: list) -> list[MonthFigures]:
    months = {m: MonthFigures(m) for m in period.months}
    for month, event_type, n, fatalities, no_fatalities, civilians, no_civilians in rows:
        figures = months[date.fromisoformat(month)]
        figures.incidents[event_type] = n
        figures.fatalities[event_type] = fatalities
        figures.fatalities_unknown += no_fatalities
        figures.civilians_killed += civilians
        figures.civilians_unknown += no_civilians
    return list(months.values())


def _actors(rows: list, *, french: bool, limit: int) -> ActorRanking:
    counts = {actor: (n, fatalities, unknown) for actor, n, fatalities, unknown in rows}
    kinds = dict(ActorKind.choices)
    known = (
        Actor.objects.filter(pk__in=counts)
        .exclude(kind=ActorKind.CIVILIANS)
        .values_list("pk", "slug", "name", "name_fr", "acronym", "kind")
    )
    figures = sorted(
        (
            ActorFigures(
                id=pk,
                slug=slug,
                name=_actor_label(name_fr if french and name_fr else name, acronym),
                kind=kind,
                kind_label=str(kinds.get(kind, kind)),
                incidents=counts[pk][0],
                fatalities=counts[pk][1],
                fatalities_unknown=counts[pk][2],
            )
            for pk, slug, name, name_fr, acronym, kind in known
        ),
        key=lambda a: a.name,
    )
    return ActorRanking(
        by_incidents=sorted(figures, key=lambda a: -a.incidents)[:limit],
        by_fatalities=sorted((a for a in figures if a.fatalities > 0), key=lambda a: -a.fatalities)[
            :limit
        ],
        actors=len(figures),
    )


def _actor_label(name: str, acronym: str) -> str:
    return f"{name} ({acronym})" if acronym and acronym != name else name


def _areas(rows: list, *, french: bool, limit: int) -> list[AreaChanges]:
    counts: dict[int, dict[int, list[int]]] = {1: {}, 2: {}}  # level -> area -> [before, now]
    for level, area, now, n in rows:
        counts[level].setdefault(area, [0, 0])[1 if now else 0] += n
    ids = set(counts[1]) | set(counts[2])
    names = {
        pk: (
            name_fr if french and name_fr else name_en,
            parent_fr if french and parent_fr else parent_en,
            cc,
        )
        for pk, name_en, name_fr, parent_en, parent_fr, cc in AdminArea.objects.filter(
            pk__in=ids
        ).values_list(
            "pk", "name_en", "name_fr", "parent__name_en", "parent__name_fr", "country_code"
        )
    }
    result = []
    for level in (1, 2):
        changes = []
        for area, (before, now) in counts[level].items():
            if area not in names:
                continue
            name, parent, country_code = names[area]
            average = before / COMPARED_MONTHS
            changes.append(
                AreaChange(
                    id=area,
                    level=level,
                    name=name,
                    parent=(parent or "") if level == 2 else "",
                    country_code=country_code,
                    this_month=now,
                    previous_average=average,
                    change=now - average,
                    relative=(now - average) / average if average else None,
                )
            )
        risers = sorted(
            (c for c in changes if c.change > 0), key=lambda c: (-c.change, -c.this_month, c.name)
        )
        fallers = sorted(
            (c for c in changes if c.change < 0), key=lambda c: (c.change, c.this_month, c.name)
        )
        result.append(AreaChanges(level, risers[:limit], fallers[:limit]))
    return result
