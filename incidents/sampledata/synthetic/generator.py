"""Draws synthetic incidents one at a time: when (a yearly trend, seasons, bursts of events),
where (a place weighted by conflict intensity, near the episode's anchor), what (event and
sub-event type, fatalities), who (cast.py) and the words (title and narrative)."""

import calendar
import math
import random
from datetime import date, timedelta

from django.utils import timezone

from actors.models import ActorKind
from incidents.geo.countries import SAHEL_COUNTRIES
from incidents.models import AcledPosition, GeoPrecision, Origin, Status, TimePrecision, UcdpSide
from incidents.precision import time_precision_for
from incidents.sampledata.synthetic.cast import Cast, Participant, Role
from incidents.sampledata.synthetic.profile import (
    DEFAULT_FATALITY_SHAPE,
    EVENT_TYPE_WEIGHTS,
    FATALITIES_RANGE_SHARE,
    FATALITIES_UNKNOWN_SHARE,
    FATALITY_SHAPES,
    GEO_PRECISIONS,
    KM_PER_DEGREE,
    MONTH_FACTORS,
    SENTENCES,
    SUB_EVENT_WEIGHTS,
    TIME_PRECISIONS,
    country_shares,
    remote_violence_weights,
    year_weight,
)
from incidents.sampledata.synthetic.world import Place, Sampler, World
from incidents.taxonomy import EventType, SubEventType

SYNTHETIC_TAG = "synthetic"
TITLE_PREFIX = "[synthetic]"
MAX_TITLE_LENGTH = 300
MAX_FATALITIES = 700


POSITIONS = {
    Role.SIDE_A: AcledPosition.ACTOR1,
    Role.SIDE_B: AcledPosition.ACTOR2,
    Role.ASSOCIATED_A: AcledPosition.ASSOC_ACTOR_1,
    Role.ASSOCIATED_B: AcledPosition.ASSOC_ACTOR_2,
}


def participant_rows(incident_id: int, participants: list[Participant]) -> list[tuple]:
    """Rows for COPY (writer.PARTICIPANT_COLUMNS): ACLED's position from the cast's role; UCDP's
    side A is the government wherever state forces take part (state-based and one-sided violence
    by the state), else the side that acted; the first actor of the acting side initiated it."""
    state_on_b = any(
        p.actor.kind == ActorKind.STATE and p.role in (Role.SIDE_B, Role.ASSOCIATED_B)
        for p in participants
    ) and not any(
        p.actor.kind == ActorKind.STATE and p.role in (Role.SIDE_A, Role.ASSOCIATED_A)
        for p in participants
    )
    rows, seen = [], {}
    for p in participants:
        position = POSITIONS[p.role]
        if position in (AcledPosition.ACTOR1, AcledPosition.ACTOR2) and position in seen:
            position = (
                AcledPosition.ASSOC_ACTOR_1
                if position == AcledPosition.ACTOR1
                else AcledPosition.ASSOC_ACTOR_2
            )
        acting = p.role in (Role.SIDE_A, Role.ASSOCIATED_A)
        side = UcdpSide.B if acting == state_on_b else UcdpSide.A
        sequence = seen.get(position, 0)
        seen[position] = sequence + 1
        initiator = position == AcledPosition.ACTOR1
        rows.append(
            (
                incident_id,
                p.actor.actor_id,
                position,
                side,
                initiator,
                p.claimed,
                p.note,
                sequence,
                "",
            )
        )
    return rows


class Generator:
    """Draws incidents one at a time from one random stream; see the module docstring."""

    def __init__(
        self, world: World, rng: random.Random, start: date, end: date, status: str, seed: int
    ):
        self.world, self.rng, self.start, self.end, self.seed = world, rng, start, end, seed
        self.status = status
        self.published_at = timezone.now() if status == Status.PUBLISHED else None
        self.cast = Cast(world, rng)
        self.labels = {s: str(s.label) for s in SubEventType}
        self.event_types = Sampler.of(EVENT_TYPE_WEIGHTS)
        self.sub_events = {e: Sampler.of(ws) for e, ws in SUB_EVENT_WEIGHTS.items()}
        self.remote: dict[int, Sampler] = {}
        self.time_precision = Sampler.of(TIME_PRECISIONS)
        self.geo_precision = Sampler.of(GEO_PRECISIONS)
        self.months = self._month_sampler()
        self.episode_left = 0
        self.anchor_day = start
        self.anchor_place = 0
        self.country = ""

    # When
    def _month_sampler(self) -> Sampler:
        months, weights = [], []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            first = max(date(year, month, 1), self.start)
            last = min(date(year, month, calendar.monthrange(year, month)[1]), self.end)
            months.append((first.toordinal(), last.toordinal()))
            weights.append(
                year_weight(year)
                * MONTH_FACTORS[month - 1]
                * (last.toordinal() - first.toordinal() + 1)
            )
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return Sampler(months, weights)

    def _day(self) -> date:
        first, last = self.months.pick(self.rng)
        return date.fromordinal(self.rng.randint(first, last))

    def _dates(self, day: date) -> tuple[date, date, int]:
        """A range and the precision it has: a day, a span of days, or a month (clipped to the
        generated period, which may leave a short range: its precision then says so)."""
        precision = self.time_precision.pick(self.rng)
        if precision == TimePrecision.DAY:
            return day, day, precision
        if precision == TimePrecision.WEEK:
            last = min(day + timedelta(days=self.rng.randint(2, 6)), self.end)
        else:
            day, last = (
                max(day.replace(day=1), self.start),
                min(day.replace(day=calendar.monthrange(day.year, day.month)[1]), self.end),
            )
        return day, last, time_precision_for((last - day).days)

    # Where
    def _new_episode(self) -> None:
        """An episode is a burst of events within days around the same place."""
        rng = self.rng
        u = rng.random()
        if u < 0.6:
            size = 1
        elif u < 0.97:
            size = 2 + int(rng.expovariate(1 / 2.5))
        else:
            size = 10 + int(rng.expovariate(1 / 10))
        self.episode_left = size
        self.anchor_day = self._day()
        countries = [c for c in SAHEL_COUNTRIES if self.world.conflict.get(c)]
        shares = country_shares(self.anchor_day.year)
        self.country = Sampler(
            countries, [shares[SAHEL_COUNTRIES.index(c)] for c in countries]
        ).pick(rng)
        self.anchor_place = self.world.conflict[self.country].pick(rng)

    def _episode_day(self) -> date:
        offset = min(int(self.rng.expovariate(1 / 2.5)), 14)
        return min(self.anchor_day + timedelta(days=offset), self.end)

    def _point(self, place: Place) -> tuple[float, float, int]:
        precision = self.geo_precision.pick(self.rng)
        lon, lat = place.lon, place.lat
        if precision == GeoPrecision.NEAR and place.jitter_km > 0:
            distance = place.jitter_km * math.sqrt(self.rng.random())
            bearing = self.rng.random() * 2 * math.pi
            lat += distance * math.cos(bearing) / KM_PER_DEGREE
            lon += distance * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
        return round(lon, 5), round(lat, 5), precision

    # What
    def _sub_event(self, event_type: str, year: int) -> str:
        if event_type == EventType.EXPLOSIONS_REMOTE_VIOLENCE:
            sampler = self.remote.get(year)
            if sampler is None:
                sampler = self.remote[year] = Sampler.of(remote_violence_weights(year))
            return sampler.pick(self.rng)
        return self.sub_events[event_type].pick(self.rng)

    def _fatalities(self, sub_event: str) -> tuple[int | None, int | None, int | None]:
        rng = self.rng
        if rng.random() < FATALITIES_UNKNOWN_SHARE:
            return None, None, None
        zero, scale, alpha = FATALITY_SHAPES.get(sub_event, DEFAULT_FATALITY_SHAPE)
        if rng.random() < zero:
            return None, 0, None
        best = min(1 + int(scale * (rng.paretovariate(alpha) - 1)), MAX_FATALITIES)
        if rng.random() >= FATALITIES_RANGE_SHARE:
            return None, best, None
        low = best - int(best * rng.uniform(0.1, 0.5))
        high = best + max(1, int(best * rng.uniform(0.2, 1.5)))
        return low, best, high

    def _text(
        self,
        sub_event: str,
        place: Place,
        precision: int,
        first: date,
        time_precision: int,
        participants: list[Participant],
        fatalities: tuple,
    ) -> tuple[str, str]:
        def label(role_a: bool) -> str:
            roles = (Role.SIDE_A,) if role_a else (Role.SIDE_B,)
            for p in participants:
                if p.role in roles:
                    if p.note:
                        return p.note
                    return "civilians" if p.actor.kind == "civilians" else p.actor.label
            return "unidentified people" if not role_a else "unidentified actors"

        where = {
            GeoPrecision.EXACT: f"in {place.name}",
            GeoPrecision.NEAR: f"near {place.name}",
        }.get(precision, f"in the area of {place.name}")
        a, b = label(True), label(False)
        sentence = SENTENCES[sub_event].format(a=a, b=b, where=where, place=place.name)
        title = f"{TITLE_PREFIX} {self.labels[sub_event]}: {a}"
        if any(p.role == Role.SIDE_B for p in participants):
            title += f" vs {b}"
        title = f"{title} {where}"[:MAX_TITLE_LENGTH]
        when = (
            f"On {first.day} {first:%B %Y}"
            if time_precision == TimePrecision.DAY
            else f"In the week of {first.day} {first:%B %Y}"
            if time_precision == TimePrecision.WEEK
            else f"In {first:%B %Y}"
        )
        low, best, high = fatalities
        toll = (
            "Fatalities unknown."
            if best is None
            else "No fatalities reported."
            if best == 0
            else f"{best} reported killed (estimates {low}-{high})."
            if high is not None
            else f"{best} reported killed."
        )
        narrative = (
            f"{when}, {sentence} {toll} Synthetic record (seed {self.seed}), not a real event."
        )
        return title, narrative

    def incident(self, incident_id: int) -> tuple[tuple, list[tuple]]:
        """One incident row for COPY (writer.INCIDENT_COLUMNS), and its participant rows."""
        if self.episode_left <= 0:
            self._new_episode()
        self.episode_left -= 1
        rng, world = self.rng, self.world
        day = self._episode_day()
        event_type = self.event_types.pick(rng)
        sub_event = self._sub_event(event_type, day.year)
        if event_type in (EventType.PROTESTS, EventType.RIOTS):
            place_index = world.urban[self.country].pick(rng)
        elif rng.random() < 0.45:
            place_index = self.anchor_place
        else:
            place_index = world.near(self.anchor_place).pick(rng)
        place = world.places[place_index]
        first, last, time_precision = self._dates(day)
        lon, lat, geo_precision = self._point(place)
        participants = self.cast.participants(event_type, sub_event, place, first, last)
        fatalities = self._fatalities(sub_event)
        civilian_targeting = event_type == EventType.VIOLENCE_AGAINST_CIVILIANS or (
            event_type == EventType.EXPLOSIONS_REMOTE_VIOLENCE
            and any(p.role == Role.SIDE_B and p.actor.kind == "civilians" for p in participants)
        )
        title, narrative = self._text(
            sub_event, place, geo_precision, first, time_precision, participants, fatalities
        )
        row = (
            incident_id,
            title,
            first,
            last,
            time_precision,
            f"SRID=4326;POINT({lon} {lat})",
            place.name,
            geo_precision,
            place.id,
            place.country,
            event_type,
            sub_event,
            civilian_targeting,
            *fatalities,
            True,
            narrative,
            [SYNTHETIC_TAG],
            self.status,
            Origin.SYNTHETIC,
            "",
            "",
            self.published_at,
        )
        return row, participant_rows(incident_id, participants)
