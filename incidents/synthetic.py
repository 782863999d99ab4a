"""Synthetic incidents: plausible, clearly-labelled fake records for demos, tests and benchmarks.

Every generated incident has origin "synthetic", the tag "synthetic" and a title starting with
"[synthetic]", so that it can never be mistaken for a real record (and
`synthetic_incidents_delete()` removes them all in one go).

What makes them plausible:
- space: real gazetteer places (feature class P) weighted by population and by distance to the
  conflict hotspots of 2012-2025 (central Mali, the Liptako-Gourma tri-border, Burkina's north and
  east, Tillabéri and Tahoua); the weights are computed in PostgreSQL from whatever gazetteer is
  loaded, so the built-in 350 places and the 60,000 GeoNames places both work;
- time: a rising yearly trend, per-year country shares (Mali first, then Burkina Faso and Niger),
  and bursts: episodes of several events within days around the same place;
- taxonomy: ACLED-Sahel proportions of event and sub-event types, always consistent pairs;
- actors: chosen by country, date, place and event type among the actors active on those dates
  (actor active periods, successions, and attachments such as Wagner to FAMa 2021-12..2025-06);
- fatalities: many zeros and small numbers, a long tail, some unknown, some ranges; they are
  set directly (there are no claims to derive them from), so `fatalities_override` is on.

Writing is set-based: incident ids are reserved from the sequence per batch, incidents and their
participants are streamed with COPY, and the database triggers (admin areas, history) run as for
any other insert; the history events carry a pghistory context naming this service and the seed.
Generation is deterministic for a seed and the same reference data.
"""

import bisect
import calendar
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pghistory
from django.db import connection, transaction
from django.utils import timezone

from actors.models import Actor, ActorRelation, RelationType
from incidents.models import GeoPrecision, Origin, ParticipantRole, Status, TimePrecision
from incidents.taxonomy import EventType, SubEventType

SYNTHETIC_TAG = "synthetic"
TITLE_PREFIX = "[synthetic]"
SAHEL_COUNTRIES = ("ML", "BF", "NE")
BATCH_SIZE = 10_000
MAX_TITLE_LENGTH = 300
MAX_FATALITIES = 700


class SyntheticDataError(ValueError):
    """Synthetic incidents cannot be generated as asked; the message says why."""


@dataclass(frozen=True)
class SyntheticReport:
    incidents: int
    participants: int
    seconds: float
    seed: int

    @property
    def incidents_per_second(self) -> float:
        return self.incidents / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"{self.incidents:,} synthetic incidents and {self.participants:,} participants "
            f"generated in {self.seconds:.1f} s ({self.incidents_per_second:,.0f} incidents/s, "
            f"seed {self.seed})"
        )


# --- Where: conflict hotspots -------------------------------------------------------------------


@dataclass(frozen=True)
class Hotspot:
    """A Gaussian bump of conflict intensity. `is_share` is the share of jihadist activity there
    attributed to the Islamic State branch (ISGS/ISSP, ISWAP near Lake Chad) rather than to the
    al-Qaeda branch (JNIM and its predecessors)."""

    name: str
    lon: float
    lat: float
    radius: float  # degrees
    weight: float
    is_share: float


HOTSPOTS = (
    # Central Mali (Mopti, Ségou)
    Hotspot("Bandiagara", -3.61, 14.35, 0.45, 1.0, 0.02),
    Hotspot("Bankass", -3.52, 14.08, 0.40, 0.9, 0.02),
    Hotspot("Koro", -3.08, 14.07, 0.45, 0.9, 0.02),
    Hotspot("Djenné", -4.55, 13.90, 0.40, 0.7, 0.02),
    Hotspot("Ténenkou", -4.92, 14.46, 0.50, 0.8, 0.02),
    Hotspot("Mopti", -4.18, 14.48, 0.35, 0.5, 0.02),
    Hotspot("Douentza", -2.95, 15.00, 0.60, 0.8, 0.10),
    Hotspot("Niono", -5.99, 14.25, 0.60, 0.7, 0.02),
    Hotspot("Macina", -5.36, 13.96, 0.40, 0.5, 0.02),
    Hotspot("Nampala", -5.55, 15.28, 0.50, 0.4, 0.02),
    Hotspot("San", -4.90, 13.30, 0.50, 0.3, 0.02),
    # Timbuktu region and the north
    Hotspot("Timbuktu", -3.01, 16.77, 0.60, 0.5, 0.05),
    Hotspot("Goundam", -3.67, 16.41, 0.50, 0.4, 0.05),
    Hotspot("Niafunké", -3.99, 15.93, 0.50, 0.4, 0.05),
    Hotspot("Gourma-Rharous", -1.93, 16.88, 0.70, 0.4, 0.15),
    Hotspot("Gao", -0.04, 16.27, 0.50, 0.6, 0.35),
    Hotspot("Kidal", 1.41, 18.44, 0.80, 0.35, 0.05),
    Hotspot("Tessalit", 1.01, 20.20, 0.60, 0.15, 0.05),
    # Liptako-Gourma tri-border
    Hotspot("Ansongo", 0.50, 15.66, 0.50, 0.9, 0.65),
    Hotspot("Ménaka", 2.40, 15.92, 0.80, 1.0, 0.80),
    Hotspot("Andéramboukane", 3.03, 15.42, 0.50, 0.5, 0.80),
    Hotspot("Tillabéri", 1.45, 14.21, 0.50, 0.8, 0.70),
    Hotspot("Ouallam", 2.09, 14.32, 0.50, 0.9, 0.80),
    Hotspot("Banibangou", 2.04, 15.04, 0.45, 0.8, 0.85),
    Hotspot("Ayorou", 0.92, 14.73, 0.40, 0.6, 0.80),
    Hotspot("Téra", 0.75, 14.01, 0.50, 0.7, 0.60),
    Hotspot("Abala", 3.43, 14.93, 0.50, 0.5, 0.85),
    Hotspot("Torodi", 1.80, 13.12, 0.50, 0.6, 0.25),
    Hotspot("Djibo", -1.63, 14.10, 0.50, 1.1, 0.25),
    Hotspot("Arbinda", -0.87, 14.23, 0.45, 0.9, 0.40),
    Hotspot("Dori", -0.03, 14.03, 0.50, 0.8, 0.40),
    Hotspot("Gorom-Gorom", -0.23, 14.44, 0.50, 0.8, 0.50),
    Hotspot("Sebba", 0.53, 13.44, 0.45, 0.6, 0.45),
    # Burkina Faso: Nord, Centre-Nord, Est, Boucle du Mouhoun
    Hotspot("Ouahigouya", -2.42, 13.58, 0.55, 0.6, 0.05),
    Hotspot("Titao", -2.07, 13.77, 0.40, 0.6, 0.05),
    Hotspot("Kaya", -1.08, 13.09, 0.50, 0.6, 0.05),
    Hotspot("Barsalogho", -1.06, 13.42, 0.40, 0.7, 0.05),
    Hotspot("Kongoussi", -1.53, 13.33, 0.40, 0.5, 0.05),
    Hotspot("Boulsa", -0.57, 12.67, 0.40, 0.4, 0.05),
    Hotspot("Fada N'Gourma", 0.36, 12.06, 0.70, 0.7, 0.10),
    Hotspot("Gayéri", 0.49, 12.65, 0.50, 0.6, 0.20),
    Hotspot("Diapaga", 1.79, 12.07, 0.60, 0.6, 0.10),
    Hotspot("Pama", 0.71, 11.25, 0.50, 0.4, 0.05),
    Hotspot("Dédougou", -3.46, 12.46, 0.60, 0.5, 0.02),
    Hotspot("Tougan", -3.07, 13.07, 0.50, 0.5, 0.02),
    Hotspot("Nouna", -3.86, 12.73, 0.50, 0.5, 0.02),
    # Niger: Tahoua, Niamey, Diffa (Lake Chad basin)
    Hotspot("Tahoua", 5.27, 14.89, 0.60, 0.4, 0.70),
    Hotspot("Tillia", 4.79, 16.12, 0.60, 0.45, 0.80),
    Hotspot("Niamey", 2.11, 13.51, 0.25, 0.3, 0.30),
    Hotspot("Diffa", 12.61, 13.32, 0.60, 1.2, 0.90),
    Hotspot("Maradi", 7.10, 13.50, 0.60, 0.3, 0.05),
    # A little elsewhere: the capitals, the south and the west.
    Hotspot("Bamako", -8.00, 12.65, 0.30, 0.15, 0.02),
    Hotspot("Ouagadougou", -1.53, 12.37, 0.25, 0.15, 0.05),
    Hotspot("Sikasso", -5.67, 11.32, 0.50, 0.08, 0.02),
    Hotspot("Nioro du Sahel", -9.60, 15.23, 0.50, 0.08, 0.02),
)
# Share of events spread over all places regardless of hotspots (the far south-west, the empty
# Sahara get a few events, not none), and its Islamic State share.
BASELINE_SHARE = 0.07
BASELINE_IS_SHARE = 0.10
# Within an episode, another place in the same grid cell (degrees) counts as "near".
EPISODE_CELL_DEGREES = 0.5
NEAR_JITTER_KM = 10.0
KM_PER_DEGREE = 111.32


# --- When -------------------------------------------------------------------------------------

# Relative number of events per year (the ACLED central-Sahel series, rounded).
YEAR_WEIGHTS = {
    2012: 0.35,
    2013: 0.5,
    2014: 0.35,
    2015: 0.45,
    2016: 0.55,
    2017: 0.8,
    2018: 1.3,
    2019: 2.3,
    2020: 2.9,
    2021: 3.1,
    2022: 4.0,
    2023: 4.4,
    2024: 4.6,
    2025: 4.6,
}
# Share of events per country (ML, BF, NE) by year: Mali first, Burkina Faso from 2016.
COUNTRY_SHARES = {
    2012: (0.92, 0.03, 0.05),
    2013: (0.90, 0.03, 0.07),
    2014: (0.88, 0.04, 0.08),
    2015: (0.80, 0.08, 0.12),
    2016: (0.65, 0.20, 0.15),
    2017: (0.55, 0.25, 0.20),
    2018: (0.45, 0.35, 0.20),
    2019: (0.35, 0.48, 0.17),
    2020: (0.33, 0.47, 0.20),
    2021: (0.32, 0.45, 0.23),
    2022: (0.30, 0.48, 0.22),
    2023: (0.32, 0.45, 0.23),
    2024: (0.30, 0.45, 0.25),
}
# Fewer events in the rainy season (July-September).
MONTH_FACTORS = (1.05, 1.05, 1.1, 1.1, 1.05, 1.0, 0.9, 0.85, 0.9, 1.0, 1.0, 1.0)
TIME_PRECISIONS = (
    (TimePrecision.DAY, 0.86),
    (TimePrecision.WEEK, 0.09),
    (TimePrecision.MONTH, 0.05),
)
GEO_PRECISIONS = (
    (GeoPrecision.EXACT, 0.66),
    (GeoPrecision.NEAR, 0.26),
    (GeoPrecision.ADMIN_AREA, 0.08),
)


def _year_weight(year: int) -> float:
    return YEAR_WEIGHTS.get(min(max(year, 2012), 2025), 0.35)


def _country_shares(year: int) -> tuple[float, float, float]:
    return COUNTRY_SHARES[min(max(year, 2012), 2024)]


# --- What -------------------------------------------------------------------------------------

ET, ST = EventType, SubEventType
EVENT_TYPE_WEIGHTS = (
    (ET.BATTLES, 0.35),
    (ET.VIOLENCE_AGAINST_CIVILIANS, 0.30),
    (ET.EXPLOSIONS_REMOTE_VIOLENCE, 0.17),
    (ET.STRATEGIC_DEVELOPMENTS, 0.11),
    (ET.PROTESTS, 0.05),
    (ET.RIOTS, 0.02),
)
SUB_EVENT_WEIGHTS = {
    ET.BATTLES: (
        (ST.ARMED_CLASH, 0.88),
        (ST.NON_STATE_ACTOR_OVERTAKES_TERRITORY, 0.07),
        (ST.GOVERNMENT_REGAINS_TERRITORY, 0.05),
    ),
    ET.VIOLENCE_AGAINST_CIVILIANS: (
        (ST.ATTACK, 0.72),
        (ST.ABDUCTION_FORCED_DISAPPEARANCE, 0.25),
        (ST.SEXUAL_VIOLENCE, 0.03),
    ),
    ET.PROTESTS: (
        (ST.PEACEFUL_PROTEST, 0.80),
        (ST.PROTEST_WITH_INTERVENTION, 0.15),
        (ST.EXCESSIVE_FORCE_AGAINST_PROTESTERS, 0.05),
    ),
    ET.RIOTS: ((ST.VIOLENT_DEMONSTRATION, 0.6), (ST.MOB_VIOLENCE, 0.4)),
    ET.STRATEGIC_DEVELOPMENTS: (
        (ST.LOOTING_PROPERTY_DESTRUCTION, 0.35),
        (ST.ARRESTS, 0.20),
        (ST.DISRUPTED_WEAPONS_USE, 0.15),
        (ST.CHANGE_TO_GROUP_ACTIVITY, 0.10),
        (ST.HEADQUARTERS_OR_BASE_ESTABLISHED, 0.05),
        (ST.NON_VIOLENT_TRANSFER_OF_TERRITORY, 0.05),
        (ST.AGREEMENT, 0.05),
        (ST.OTHER, 0.05),
    ),
}


def _remote_violence_weights(year: int) -> tuple:
    """Air and drone strikes grow once the national armies field armed drones (2021-2022)."""
    air = 0.12 if year < 2020 else 0.25 if year < 2022 else 0.40
    s = SubEventType
    return (
        (s.REMOTE_EXPLOSIVE_LANDMINE_IED, 0.80 - air),
        (s.AIR_DRONE_STRIKE, air),
        (s.SHELLING_ARTILLERY_MISSILE, 0.12),
        (s.SUICIDE_BOMB, 0.05),
        (s.GRENADE, 0.03),
    )


# Fatalities per sub-event type: share of zero, then 1 + scale * (Pareto(alpha) - 1).
FATALITY_SHAPES = {
    ST.ARMED_CLASH: (0.20, 2.5, 1.35),
    ST.NON_STATE_ACTOR_OVERTAKES_TERRITORY: (0.15, 3.0, 1.35),
    ST.GOVERNMENT_REGAINS_TERRITORY: (0.25, 2.0, 1.4),
    ST.ATTACK: (0.15, 1.5, 1.3),
    ST.ABDUCTION_FORCED_DISAPPEARANCE: (0.85, 1.0, 1.8),
    ST.SEXUAL_VIOLENCE: (0.90, 1.0, 2.0),
    ST.AIR_DRONE_STRIKE: (0.25, 2.5, 1.4),
    ST.REMOTE_EXPLOSIVE_LANDMINE_IED: (0.45, 1.5, 1.5),
    ST.SHELLING_ARTILLERY_MISSILE: (0.70, 1.0, 1.6),
    ST.SUICIDE_BOMB: (0.10, 4.0, 1.3),
    ST.GRENADE: (0.60, 1.0, 2.0),
    ST.EXCESSIVE_FORCE_AGAINST_PROTESTERS: (0.60, 1.0, 1.8),
    ST.VIOLENT_DEMONSTRATION: (0.90, 1.0, 2.0),
    ST.MOB_VIOLENCE: (0.50, 1.0, 2.0),
}
DEFAULT_FATALITY_SHAPE = (0.97, 1.0, 2.0)
FATALITIES_UNKNOWN_SHARE = 0.05
FATALITIES_RANGE_SHARE = 0.25

SENTENCES = {
    ST.ARMED_CLASH: "{a} clashed with {b} {where}.",
    ST.GOVERNMENT_REGAINS_TERRITORY: "{a} retook positions held by {b} {where}.",
    ST.NON_STATE_ACTOR_OVERTAKES_TERRITORY: "{a} took control of {place} after fighting {b}.",
    ST.AIR_DRONE_STRIKE: "{a} carried out an air or drone strike on {b} {where}.",
    ST.SUICIDE_BOMB: "a suicide attack attributed to {a} targeted {b} {where}.",
    ST.SHELLING_ARTILLERY_MISSILE: "{a} shelled {b} {where}.",
    ST.REMOTE_EXPLOSIVE_LANDMINE_IED: "an explosive device attributed to {a} hit {b} {where}.",
    ST.GRENADE: "{a} threw a grenade at {b} {where}.",
    ST.CHEMICAL_WEAPON: "{a} used a chemical agent against {b} {where}.",
    ST.SEXUAL_VIOLENCE: "{a} committed sexual violence against {b} {where}.",
    ST.ATTACK: "{a} attacked {b} {where}.",
    ST.ABDUCTION_FORCED_DISAPPEARANCE: "{a} abducted {b} {where}.",
    ST.PEACEFUL_PROTEST: "{a} demonstrated peacefully {where}.",
    ST.PROTEST_WITH_INTERVENTION: "{b} dispersed {a} demonstrating {where}.",
    ST.EXCESSIVE_FORCE_AGAINST_PROTESTERS: "{b} used excessive force against {a} {where}.",
    ST.VIOLENT_DEMONSTRATION: "{a} rioted {where}.",
    ST.MOB_VIOLENCE: "a mob attacked {b} {where}.",
    ST.AGREEMENT: "{a} reached a local agreement with {b} {where}.",
    ST.ARRESTS: "{a} arrested {b} {where}.",
    ST.CHANGE_TO_GROUP_ACTIVITY: "{a} announced a change of leadership or tactics {where}.",
    ST.DISRUPTED_WEAPONS_USE: "{a} defused explosives or seized weapons {where}.",
    ST.HEADQUARTERS_OR_BASE_ESTABLISHED: "{a} set up a base {where}.",
    ST.LOOTING_PROPERTY_DESTRUCTION: "{a} looted and burned property of {b} {where}.",
    ST.NON_VIOLENT_TRANSFER_OF_TERRITORY: "{a} took over {place} without fighting.",
    ST.OTHER: "{a} was reported active {where}.",
}
del ET, ST


# --- Who --------------------------------------------------------------------------------------

STATE_FORCES = {"ML": "fama", "BF": "armed-forces-bf", "NE": "fan-niger"}
CIVILIANS = {"ML": "civilians-mali", "BF": "civilians-burkina-faso", "NE": "civilians-niger"}
UNIDENTIFIED = {
    "ML": "unidentified-armed-group-mali",
    "BF": "unidentified-armed-group-burkina-faso",
    "NE": "unidentified-armed-group-niger",
}
# Al-Qaeda-branch groups before JNIM (2017-03) absorbed them: one of those active in the country
# on the dates, by weight.
AQ_BRANCH_BEFORE_JNIM = {
    "ML": (
        ("ansar-dine", 0.35),
        ("aqim", 0.25),
        ("mujao", 0.3),
        ("al-mourabitoun", 0.2),
        ("katiba-macina", 0.3),
        ("al-mulathamun", 0.05),
    ),
    "BF": (("ansarul-islam", 0.6), ("aqim", 0.2), ("al-mourabitoun", 0.2)),
    "NE": (("aqim", 0.3), ("al-mourabitoun", 0.3), ("mujao", 0.3)),
}
# Withdrawals the actor catalogue does not date per country (Barkhane left Mali on 2022-08-15,
# the French special forces left Burkina Faso on 2023-02-19).
PRESENCE_UNTIL = {
    ("french-forces", "ML"): date(2022, 8, 15),
    ("operation-barkhane", "ML"): date(2022, 8, 15),
    ("french-forces", "BF"): date(2023, 2, 19),
    ("operation-barkhane", "BF"): date(2023, 2, 19),
}
REBELS_BY_PRIORITY = ("fla", "csp-dpa", "csp-psd", "mnla", "cma", "hcua")
FRENCH_BY_PRIORITY = ("operation-serval", "operation-barkhane", "french-forces")


@dataclass
class _Actor:
    slug: str
    id: int
    label: str
    kind: str
    first: int  # date ordinals
    last: int
    countries: frozenset[str]
    # Where an actor is only present attached to a state force: country -> [(first, last)].
    presence: dict[str, list[tuple[int, int]]] | None = None

    def active(self, country: str, first: int, last: int) -> bool:
        if first < self.first or last > self.last:
            return False
        if self.countries and country not in self.countries:
            return False
        if self.presence is None:
            return True
        return any(a <= first and last <= b for a, b in self.presence.get(country, ()))


def _load_actors() -> dict[str, _Actor]:
    """The catalogue's actors with their effective active periods: an actor renamed or succeeded
    stops on that date, and an actor attached to state forces (Wagner, Africa Corps, VDP) is only
    present in a country while the attachment lasts."""
    never, forever = date.min.toordinal(), date.max.toordinal()
    actors: dict[str, _Actor] = {}
    for a in Actor.objects.only(
        "id", "slug", "name", "acronym", "kind", "countries", "active_from", "active_until"
    ):
        actors[a.slug] = _Actor(
            slug=a.slug,
            id=a.id,
            label=a.acronym or a.name,
            kind=a.kind,
            first=a.active_from.toordinal() if a.active_from else never,
            last=a.active_until.toordinal() if a.active_until else forever,
            countries=frozenset(a.countries or ()),
        )
    by_id = {a.id: a for a in actors.values()}
    relations = (
        ActorRelation.objects.filter(
            type__in=[RelationType.RENAMED_TO, RelationType.SUCCEEDED_BY, RelationType.ATTACHED_TO]
        )
        .select_related("target")
        .order_by("source_id", "target_id", "start_date")
    )
    for r in relations:
        source = by_id.get(r.source_id)
        if source is None:
            continue
        start = r.start_date.toordinal() if r.start_date else never
        end = r.end_date.toordinal() if r.end_date else forever
        if r.type in (RelationType.RENAMED_TO, RelationType.SUCCEEDED_BY):
            if r.start_date:
                source.last = min(source.last, start)
        elif r.target.kind == "state":
            if source.presence is None:
                source.presence = {}
            for country in r.target.countries[:1]:
                source.presence.setdefault(country, []).append((start, end))
    for (slug, country), until in PRESENCE_UNTIL.items():
        actor = actors.get(slug)
        if actor is None:
            continue
        windows = (actor.presence or {}).get(country) or [(actor.first, actor.last)]
        actor.presence = actor.presence or {}
        actor.presence[country] = [(a, min(b, until.toordinal())) for a, b in windows]
        for other in actor.countries - actor.presence.keys():
            actor.presence[other] = [(actor.first, actor.last)]
    return actors


# --- Reference data, read once per run -------------------------------------------------------


@dataclass
class _Place:
    id: int
    name: str
    lon: float
    lat: float
    country: str
    is_share: float
    jitter_km: float


class _Sampler:
    """Weighted choice by bisection on cumulative weights."""

    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self.cumulative = []
        total = 0.0
        for w in weights:
            total += w
            self.cumulative.append(total)
        self.total = total

    @classmethod
    def of(cls, pairs) -> "_Sampler":
        return cls([item for item, _ in pairs], [weight for _, weight in pairs])

    def __bool__(self) -> bool:
        return self.total > 0

    def pick(self, rng: random.Random):
        index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]


PLACES_SQL = """
WITH hotspot (n, lon, lat, radius, weight, is_share) AS (VALUES {hotspots}),
place AS (
    SELECT p.id, p.name, p.point, p.source, p.source_id,
           ST_X(p.point) AS lon, ST_Y(p.point) AS lat,
           COALESCE(a.country_code, p.country_code) AS country,
           CASE p.feature_code WHEN 'PPLA' THEN 3.0 WHEN 'PPLA2' THEN 2.5 WHEN 'PPLC' THEN 0.5
                WHEN 'PPLA3' THEN 1.5 WHEN 'PPL' THEN 1.0 WHEN 'PPLX' THEN 0.3 WHEN 'PPLW' THEN 0.2
                WHEN 'PPLQ' THEN 0.1 WHEN 'PPLH' THEN 0.05 ELSE 0.6 END
           * (1 + ln(1 + p.population / 2000.0)) AS base,
           CASE p.feature_code WHEN 'PPLC' THEN 3.0 WHEN 'PPLA' THEN 2.0 WHEN 'PPLA2' THEN 1.5
                ELSE 0.2 END * (p.population + 50)::float8 AS urban_weight
    FROM incidents_place p LEFT JOIN incidents_adminarea a ON a.id = p.admin1_id
    WHERE p.feature_class = 'P' AND p.country_code = ANY(%s)
),
contribution AS (
    SELECT p.id, h.n, h.weight, h.is_share,
           p.base * exp(-LEAST(50.0,
               (power((p.lon - h.lon) * cos(radians(p.lat)), 2) + power(p.lat - h.lat, 2))
               / power(h.radius, 2))) AS k
    FROM place p JOIN hotspot h
      -- Beyond three radii a hotspot adds nothing that matters.
      ON abs(p.lat - h.lat) < 3 * h.radius AND abs(p.lon - h.lon) < 3.5 * h.radius
),
-- Each hotspot spreads its weight over the places near it, however many the gazetteer has there
-- (GeoNames lists far more villages in the south than in the Ménaka desert).
hotspot_share AS (
    SELECT c.id, sum(c.weight * c.k / m.mass) AS w,
           sum(c.weight * c.k / m.mass * c.is_share) AS w_is
    FROM contribution c JOIN (SELECT n, sum(k) AS mass FROM contribution GROUP BY n) m USING (n)
    WHERE m.mass > 0
    GROUP BY c.id
),
baseline AS (
    SELECT p.id, {baseline_total} * p.base / sum(p.base) OVER () AS w FROM place p
)
SELECT p.id, p.name, p.lon, p.lat, p.country,
       b.w + COALESCE(h.w, 0) AS conflict_weight,
       p.urban_weight,
       (b.w * {baseline_is} + COALESCE(h.w_is, 0)) / (b.w + COALESCE(h.w, 0)) AS is_share,
       border.distance
FROM place p JOIN baseline b ON b.id = p.id LEFT JOIN hotspot_share h ON h.id = p.id
LEFT JOIN LATERAL (
    SELECT min(ST_Distance(ap.geom, p.point)) AS distance FROM incidents_adminareapart ap
    WHERE ap.level = 0 AND ap.country_code <> p.country AND ST_DWithin(ap.geom, p.point, 0.2)
) border ON true
WHERE p.country = ANY(%s)
ORDER BY p.source, p.source_id
"""


@dataclass
class _World:
    """The places (with their weights) and actors the generator draws from."""

    places: list[_Place]
    conflict: dict[str, _Sampler]
    urban: dict[str, _Sampler]
    cells: dict[tuple[str, int, int], list[int]]
    conflict_weights: list[float]
    actors: dict[str, _Actor]
    cell_samplers: dict[tuple[str, int, int], _Sampler] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "_World":
        hotspots = ", ".join(
            f"({n}, {h.lon}::float8, {h.lat}::float8, {h.radius}::float8, {h.weight}::float8, "
            f"{h.is_share}::float8)"
            for n, h in enumerate(HOTSPOTS)
        )
        baseline_total = BASELINE_SHARE * sum(h.weight for h in HOTSPOTS) / (1 - BASELINE_SHARE)
        with connection.cursor() as cursor:
            cursor.execute(
                PLACES_SQL.format(
                    hotspots=hotspots,
                    baseline_total=float(baseline_total),
                    baseline_is=float(BASELINE_IS_SHARE),
                ),
                [list(SAHEL_COUNTRIES), list(SAHEL_COUNTRIES)],
            )
            rows = cursor.fetchall()
        places, conflict_weights, by_country = [], [], {}
        for index, (
            pid,
            name,
            lon,
            lat,
            country,
            w_conflict,
            w_urban,
            is_share,
            border,
        ) in enumerate(rows):
            jitter = NEAR_JITTER_KM
            if border is not None:
                jitter = min(jitter, 0.8 * border * KM_PER_DEGREE * math.cos(math.radians(lat)))
            places.append(_Place(pid, name, lon, lat, country, is_share, max(jitter, 0.0)))
            conflict_weights.append(w_conflict)
            by_country.setdefault(country, ([], [], []))
            by_country[country][0].append(index)
            by_country[country][1].append(w_conflict)
            by_country[country][2].append(w_urban)
        cells: dict[tuple[str, int, int], list[int]] = {}
        for index, p in enumerate(places):
            cells.setdefault(_cell(p), []).append(index)
        return cls(
            places=places,
            conflict={c: _Sampler(ix, wc) for c, (ix, wc, _) in by_country.items()},
            urban={c: _Sampler(ix, wu) for c, (ix, _, wu) in by_country.items()},
            cells=cells,
            conflict_weights=conflict_weights,
            actors=_load_actors(),
        )

    def near(self, place_index: int) -> _Sampler:
        key = _cell(self.places[place_index])
        sampler = self.cell_samplers.get(key)
        if sampler is None:
            members = self.cells[key]
            sampler = _Sampler(members, [self.conflict_weights[i] for i in members])
            self.cell_samplers[key] = sampler
        return sampler


def _cell(place: _Place) -> tuple[str, int, int]:
    return (
        place.country,
        math.floor(place.lon / EPISODE_CELL_DEGREES),
        math.floor(place.lat / EPISODE_CELL_DEGREES),
    )


# --- The generator ----------------------------------------------------------------------------


@dataclass
class _Participant:
    actor: _Actor
    role: str
    claimed: bool = False
    note: str = ""


@dataclass
class _Scene:
    """Where and when an incident happens, and the usual actors there and then."""

    place: _Place
    first: int
    last: int
    state: _Actor | None
    civilians: _Actor | None
    unidentified: _Actor | None
    jihadist: _Actor | None


class _Generator:
    """Draws incidents one at a time from one random stream; see the module docstring."""

    def __init__(
        self, world: _World, rng: random.Random, start: date, end: date, status: str, seed: int
    ):
        self.world, self.rng, self.start, self.end, self.seed = world, rng, start, end, seed
        self.status = status
        self.published_at = timezone.now() if status == Status.PUBLISHED else None
        self.labels = {s: str(s.label) for s in SubEventType}
        self.event_types = _Sampler.of(EVENT_TYPE_WEIGHTS)
        self.sub_events = {e: _Sampler.of(ws) for e, ws in SUB_EVENT_WEIGHTS.items()}
        self.remote: dict[int, _Sampler] = {}
        self.time_precision = _Sampler.of(TIME_PRECISIONS)
        self.geo_precision = _Sampler.of(GEO_PRECISIONS)
        self.months = self._month_sampler()
        self.episode_left = 0
        self.anchor_day = start
        self.anchor_place = 0
        self.country = ""

    # When
    def _month_sampler(self) -> _Sampler:
        months, weights = [], []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            first = max(date(year, month, 1), self.start)
            last = min(date(year, month, calendar.monthrange(year, month)[1]), self.end)
            months.append((first.toordinal(), last.toordinal()))
            weights.append(
                _year_weight(year)
                * MONTH_FACTORS[month - 1]
                * (last.toordinal() - first.toordinal() + 1)
            )
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return _Sampler(months, weights)

    def _day(self) -> date:
        first, last = self.months.pick(self.rng)
        return date.fromordinal(self.rng.randint(first, last))

    def _dates(self, day: date) -> tuple[date, date, int]:
        precision = self.time_precision.pick(self.rng)
        if precision == TimePrecision.DAY:
            return day, day, precision
        if precision == TimePrecision.WEEK:
            return day, min(day + timedelta(days=self.rng.randint(2, 6)), self.end), precision
        first = max(day.replace(day=1), self.start)
        last = min(day.replace(day=calendar.monthrange(day.year, day.month)[1]), self.end)
        return first, last, precision

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
        shares = _country_shares(self.anchor_day.year)
        self.country = _Sampler(
            countries, [shares[SAHEL_COUNTRIES.index(c)] for c in countries]
        ).pick(rng)
        self.anchor_place = self.world.conflict[self.country].pick(rng)

    def _episode_day(self) -> date:
        offset = min(int(self.rng.expovariate(1 / 2.5)), 14)
        return min(self.anchor_day + timedelta(days=offset), self.end)

    def _point(self, place: _Place) -> tuple[float, float, int]:
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
                sampler = self.remote[year] = _Sampler.of(_remote_violence_weights(year))
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

    # Who
    def _actor(self, slug: str, country: str, first: int, last: int) -> _Actor | None:
        actor = self.world.actors.get(slug)
        return actor if actor is not None and actor.active(country, first, last) else None

    def _jihadist(self, country: str, place: _Place, first: int, last: int) -> _Actor | None:
        rng = self.rng
        if rng.random() < place.is_share:
            for slug in ("iswap",) if place.lon > 10 else ("issp", "isgs"):
                actor = self._actor(slug, country, first, last)
                if actor:
                    return actor
        jnim = self._actor("jnim", country, first, last)
        if jnim is not None:
            ansarul = self._actor("ansarul-islam", country, first, last)
            if ansarul is not None and country == "BF" and rng.random() < 0.1:
                return ansarul
            return jnim
        candidates = [
            (a, w)
            for slug, w in AQ_BRANCH_BEFORE_JNIM.get(country, ())
            if (a := self._actor(slug, country, first, last))
        ]
        if candidates:
            return _Sampler([a for a, _ in candidates], [w for _, w in candidates]).pick(rng)
        for slug in ("issp", "isgs"):
            actor = self._actor(slug, country, first, last)
            if actor:
                return actor
        return None

    def _state_associates(
        self, country: str, first: int, last: int, role: str
    ) -> list[_Participant]:
        """Foreign forces and auxiliaries fighting alongside the national army."""
        rng, found = self.rng, []
        for slug, share in (("wagner", 0.5), ("africa-corps", 0.4), ("vdp", 0.3)):
            actor = self._actor(slug, country, first, last)
            if actor and rng.random() < share:
                found.append(_Participant(actor, role))
        if rng.random() < 0.15:
            for slug in FRENCH_BY_PRIORITY:
                actor = self._actor(slug, country, first, last)
                if actor:
                    found.append(_Participant(actor, role))
                    break
        return found

    def _participants(
        self, event_type: str, sub_event: str, place: _Place, first: int, last: int
    ) -> list[_Participant]:
        """Who took part, by role, among the actors active in the country on those dates."""
        country, a = place.country, self._actor
        scene = _Scene(
            place=place,
            first=first,
            last=last,
            state=a(STATE_FORCES.get(country, ""), country, first, last),
            civilians=a(CIVILIANS.get(country, ""), country, first, last),
            unidentified=a(UNIDENTIFIED.get(country, ""), country, first, last),
            jihadist=self._jihadist(country, place, first, last),
        )
        cast = {
            EventType.BATTLES: self._battle,
            EventType.VIOLENCE_AGAINST_CIVILIANS: self._violence_against_civilians,
            EventType.EXPLOSIONS_REMOTE_VIOLENCE: self._remote_violence,
            EventType.STRATEGIC_DEVELOPMENTS: self._strategic_development,
        }.get(event_type, self._demonstration)
        side_a, side_b, claim = cast(scene, event_type, sub_event)
        rng = self.rng
        if side_a and side_a[0].actor.kind == "jihadist":
            if rng.random() < claim:
                side_a[0].claimed = True
            macina = a("katiba-macina", country, first, last)
            if (
                side_a[0].actor.slug == "jnim"
                and macina
                and -6.5 < place.lon < -3.5
                and rng.random() < 0.15
            ):
                side_a.append(_Participant(macina, ParticipantRole.ASSOCIATED_A))
        seen, unique = set(), []
        for p in side_a + side_b:
            if (p.actor.id, p.role) not in seen:
                seen.add((p.actor.id, p.role))
                unique.append(p)
        return unique

    def _associates(self, s: _Scene, role: str) -> list[_Participant]:
        return self._state_associates(s.place.country, s.first, s.last, role)

    def _battle(self, s: _Scene, event_type: str, sub_event: str) -> tuple[list, list, float]:
        """Jihadists against the army (and its auxiliaries), JNIM against the Islamic State,
        jihadists against militias, rebels against the army in the north of Mali."""
        rng, a, country = self.rng, self._actor, s.place.country
        first, last, jihadist, state = s.first, s.last, s.jihadist, s.state
        u = rng.random()
        rebel = next(
            (r for slug in REBELS_BY_PRIORITY if (r := a(slug, country, first, last))), None
        )
        militia = (
            a("dan-na-ambassagou", country, first, last)
            if -5.0 < s.place.lon < -2.5
            else a("gatia", country, first, last)
            if s.place.lon > -0.5 and country == "ML"
            else a("vdp", country, first, last) or s.unidentified
        )
        army = [_Participant(state, ParticipantRole.SIDE_B)] if state else []
        if u < 0.08 and rebel and s.place.lat > 15.0:
            return (
                [_Participant(rebel, ParticipantRole.SIDE_A)],
                army + self._associates(s, ParticipantRole.ASSOCIATED_B),
                0.0,
            )
        if (
            u < 0.20
            and jihadist
            and jihadist.slug == "jnim"
            and (rival := a("issp", country, first, last) or a("isgs", country, first, last))
        ):
            return (
                [_Participant(jihadist, ParticipantRole.SIDE_A)],
                [_Participant(rival, ParticipantRole.SIDE_B)],
                0.2,
            )
        if u < 0.30 and jihadist and militia:
            return (
                [_Participant(jihadist, ParticipantRole.SIDE_A)],
                [_Participant(militia, ParticipantRole.SIDE_B)],
                0.2,
            )
        if not (jihadist or s.unidentified):
            return [], [], 0.0
        armed = jihadist if jihadist and rng.random() < 0.9 else s.unidentified or jihadist
        if rng.random() < 0.7:  # an attack by the armed group
            return (
                [_Participant(armed, ParticipantRole.SIDE_A)],
                army + self._associates(s, ParticipantRole.ASSOCIATED_B),
                0.2,
            )
        # an army operation
        side_a = [_Participant(p.actor, ParticipantRole.SIDE_A) for p in army]
        side_a += self._associates(s, ParticipantRole.ASSOCIATED_A)
        return side_a, [_Participant(armed, ParticipantRole.SIDE_B)], 0.2

    def _violence_against_civilians(
        self, s: _Scene, event_type: str, sub_event: str
    ) -> tuple[list, list, float]:
        """Jihadists, the army (with Wagner in Mali), VDP, Dogon militia or unidentified
        gunmen against the country's civilians."""
        a, country, first, last = self._actor, s.place.country, s.first, s.last
        u = self.rng.random()
        perpetrator = (
            s.jihadist
            if u < 0.45
            else s.state
            if u < 0.60
            else a("wagner", country, first, last) or s.state
            if u < 0.67
            else a("vdp", country, first, last) or s.unidentified
            if u < 0.74
            else a("dan-na-ambassagou", country, first, last) or s.unidentified
            if u < 0.79
            else s.unidentified
        ) or s.unidentified
        side_a = []
        if perpetrator:
            side_a = [_Participant(perpetrator, ParticipantRole.SIDE_A)]
            if perpetrator is s.state:
                side_a += self._associates(s, ParticipantRole.ASSOCIATED_A)
        side_b = [_Participant(s.civilians, ParticipantRole.SIDE_B)] if s.civilians else []
        return side_a, side_b, 0.05

    def _remote_violence(
        self, s: _Scene, event_type: str, sub_event: str
    ) -> tuple[list, list, float]:
        """Air and drone strikes by the army or French forces; explosive devices, shelling and
        suicide attacks by armed groups against the army, MINUSMA or civilians."""
        rng, a, country, first, last = self.rng, self._actor, s.place.country, s.first, s.last
        if sub_event == SubEventType.AIR_DRONE_STRIKE:
            french = next(
                (f for slug in FRENCH_BY_PRIORITY if (f := a(slug, country, first, last))), None
            )
            striker = french if french and rng.random() < 0.5 else s.state
            target = s.civilians if rng.random() < 0.2 else s.jihadist
            return (
                [_Participant(striker, ParticipantRole.SIDE_A)] if striker else [],
                [_Participant(target, ParticipantRole.SIDE_B)] if target else [],
                0.0,
            )
        bomber = s.jihadist if rng.random() < 0.85 else s.unidentified
        u = rng.random()
        target = (
            s.civilians
            if u < 0.3 or (sub_event == SubEventType.GRENADE and u < 0.6)
            else a("minusma", country, first, last) or s.state
            if u < 0.4
            else s.state
        )
        return (
            [_Participant(bomber, ParticipantRole.SIDE_A)] if bomber else [],
            [_Participant(target, ParticipantRole.SIDE_B)] if target else [],
            0.2,
        )

    def _strategic_development(
        self, s: _Scene, event_type: str, sub_event: str
    ) -> tuple[list, list, float]:
        """Arrests and seizures by the army; bases, looting, local agreements by armed groups."""
        side_b = []
        if sub_event in (
            SubEventType.ARRESTS,
            SubEventType.DISRUPTED_WEAPONS_USE,
            SubEventType.OTHER,
        ):
            actor = s.state
            if sub_event == SubEventType.ARRESTS and s.civilians:
                side_b = [_Participant(s.civilians, ParticipantRole.SIDE_B)]
        else:
            actor = s.jihadist if self.rng.random() < 0.8 else s.state
            if (
                sub_event in (SubEventType.LOOTING_PROPERTY_DESTRUCTION, SubEventType.AGREEMENT)
                and s.civilians
            ):
                side_b = [_Participant(s.civilians, ParticipantRole.SIDE_B)]
        return ([_Participant(actor, ParticipantRole.SIDE_A)] if actor else []), side_b, 0.0

    def _demonstration(
        self, s: _Scene, event_type: str, sub_event: str
    ) -> tuple[list, list, float]:
        """Protests and riots. The catalogue has no protesters or rioters actor: the country's
        civilians stand in, with a note."""
        note = "protesters" if event_type == EventType.PROTESTS else "rioters"
        side_a = (
            [_Participant(s.civilians, ParticipantRole.SIDE_A, note=note)] if s.civilians else []
        )
        side_b = []
        if (
            sub_event
            in (
                SubEventType.PROTEST_WITH_INTERVENTION,
                SubEventType.EXCESSIVE_FORCE_AGAINST_PROTESTERS,
            )
            and s.state
        ):
            side_b = [_Participant(s.state, ParticipantRole.SIDE_B)]
        elif sub_event == SubEventType.MOB_VIOLENCE and s.civilians:
            side_b = [_Participant(s.civilians, ParticipantRole.SIDE_B)]
        return side_a, side_b, 0.0

    # Words
    def _text(
        self,
        sub_event: str,
        place: _Place,
        precision: int,
        first: date,
        time_precision: int,
        participants: list[_Participant],
        fatalities: tuple,
    ) -> tuple[str, str]:
        def label(role_a: bool) -> str:
            roles = (ParticipantRole.SIDE_A,) if role_a else (ParticipantRole.SIDE_B,)
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
        if any(p.role == ParticipantRole.SIDE_B for p in participants):
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
        """One incident row for COPY, and its participant rows."""
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
        participants = self._participants(
            event_type, sub_event, place, first.toordinal(), last.toordinal()
        )
        fatalities = self._fatalities(sub_event)
        civilian_targeting = event_type == EventType.VIOLENCE_AGAINST_CIVILIANS or (
            event_type == EventType.EXPLOSIONS_REMOTE_VIOLENCE
            and any(
                p.role == ParticipantRole.SIDE_B and p.actor.kind == "civilians"
                for p in participants
            )
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
        links = [(incident_id, p.actor.id, p.role, p.claimed, p.note) for p in participants]
        return row, links


INCIDENT_COLUMNS = (
    "id",
    "title",
    "date_start",
    "date_end",
    "time_precision",
    "location",
    "location_name",
    "geo_precision",
    "place_id",
    "country_code",
    "event_type",
    "sub_event_type",
    "civilian_targeting",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "fatalities_override",
    "narrative",
    "tags",
    "status",
    "origin",
    "external_id",
    "retraction_reason",
    "published_at",
)
PARTICIPANT_COLUMNS = ("incident_id", "actor_id", "role", "claimed_responsibility", "note")
GENERATED_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED)


def _reserve_ids(cursor, count: int) -> list[int]:
    """`count` incident ids from the table's own sequence, so that concurrent writers never
    collide with them and participants can refer to them before the incidents are written."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence('incidents_incident', 'id')) "
        "FROM generate_series(1, %s)",
        [count],
    )
    return [row[0] for row in cursor.fetchall()]


def _batches(count: int, size: int) -> Iterator[int]:
    done = 0
    while done < count:
        yield min(size, count - done)
        done += size


def synthetic_incidents_generate(
    count: int,
    *,
    seed: int = 1,
    start: date = date(2012, 1, 1),
    end: date | None = None,
    status: str = Status.PUBLISHED,
) -> SyntheticReport:
    """Writes `count` synthetic incidents, dated within [start, end] (end: today by default),
    with their participants, in one transaction; deterministic for `seed` and the same reference
    data. Needs gazetteer places of Mali, Burkina Faso or Niger; uses the actor catalogue when it
    is loaded (incidents get no participants otherwise). Raises SyntheticDataError on bad input."""
    end = end or timezone.localdate()
    if count < 1:
        raise SyntheticDataError(f"the number of incidents must be at least 1, not {count}")
    if end < start:
        raise SyntheticDataError(f"the end date {end} is before the start date {start}")
    if status not in GENERATED_STATUSES:
        raise SyntheticDataError(
            f"status must be one of {', '.join(GENERATED_STATUSES)}, not {status!r}"
        )
    started = time.perf_counter()
    world = _World.load()
    if not world.conflict:
        raise SyntheticDataError(
            "no populated places of Mali, Burkina Faso or Niger in the gazetteer: "
            "load reference data first: manage.py setup_reference_data"
        )
    generator = _Generator(world, random.Random(seed), start, end, status, seed)
    incidents = participants = 0
    copy_incidents = f"COPY incidents_incident ({', '.join(INCIDENT_COLUMNS)}) FROM STDIN"
    copy_participants = (
        f"COPY incidents_incidentactor ({', '.join(PARTICIPANT_COLUMNS)}) FROM STDIN"
    )
    history = pghistory.context(service="synthetic_incidents_generate", seed=seed)
    with history, transaction.atomic(), connection.cursor() as cursor:
        # Check foreign keys per batch rather than millions of them at commit (deferred checks
        # queued beside the per-row history triggers also make each batch slower).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for size in _batches(count, BATCH_SIZE):
            links: list[tuple] = []
            ids = _reserve_ids(cursor, size)
            with cursor.cursor.copy(copy_incidents) as copy:
                for incident_id in ids:
                    row, rows = generator.incident(incident_id)
                    copy.write_row(row)
                    links.extend(rows)
            with cursor.cursor.copy(copy_participants) as copy:
                for link in links:
                    copy.write_row(link)
            incidents += size
            participants += len(links)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return SyntheticReport(
        incidents=incidents,
        participants=participants,
        seconds=time.perf_counter() - started,
        seed=seed,
    )


@pghistory.context(service="synthetic_incidents_delete")
@transaction.atomic
def synthetic_incidents_delete() -> int:
    """Deletes every synthetic incident with everything that hangs on it (participants, claims,
    civilian-harm reports and victims), set-based; returns the number of incidents deleted. The
    history triggers record each deletion, as for any other delete."""
    synthetic = "SELECT id FROM incidents_incident WHERE origin = %s"
    with connection.cursor() as cursor:
        # Deferred foreign-key checks queued beside the per-row history triggers make a large
        # delete several times slower; checked per statement, it stays linear.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"""DELETE FROM incidents_victim v USING incidents_civilianharmreport r
                WHERE v.report_id = r.id AND r.incident_id IN ({synthetic})""",
            [Origin.SYNTHETIC],
        )
        for table in ("incidents_civilianharmreport", "incidents_claim", "incidents_incidentactor"):
            cursor.execute(
                f"DELETE FROM {table} WHERE incident_id IN ({synthetic})", [Origin.SYNTHETIC]
            )
        cursor.execute("DELETE FROM incidents_incident WHERE origin = %s", [Origin.SYNTHETIC])
        deleted = cursor.rowcount
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return deleted
