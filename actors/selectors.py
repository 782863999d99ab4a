"""Selectors: the functions that read actors.

Two rules that several parts share live here:
- who counts as an actor's group over time (`actor_group_windows`): its member groups while they
  were members, and the same organisation under its other names, both ways in time;
- who was active where and when (`actor_activity`): the actor's own period, cut short by its
  renaming or succession, and narrowed by its dated presences (French forces left Mali in 2022)
  or, for an actor present only attached to a state force (Wagner in Mali), by the attachment.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet, Value

from actors.models import Actor, ActorKind, ActorPresence, ActorRelation, RelationType
from actors.names import Normalise

NEVER, FOREVER = date.min, date.max


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


def actors_matching_name(text: str, on: date | None = None) -> QuerySet[Actor]:
    """Actors with an alias equal to `text` once normalised (case, accents, punctuation), and
    valid on `on` when given ("CSP" is the CSP-PSD in 2022, the CSP-DPA in late 2024)."""
    aliases = Q(aliases__normalised=Normalise(Value(text)))
    if on is not None:
        aliases &= Q(aliases__valid_from__isnull=True) | Q(aliases__valid_from__lte=on)
        aliases &= Q(aliases__valid_until__isnull=True) | Q(aliases__valid_until__gte=on)
    return Actor.objects.filter(aliases).distinct()


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
