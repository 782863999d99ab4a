"""What the generator draws from: weighted sampling, and the world (the gazetteer's populated
places of the three countries, weighted by conflict intensity and by population, and the actors'
activity), read from the database once per run."""

import bisect
import math
import random
from dataclasses import dataclass, field

from django.db import connection

from actors.selectors import ActorActivity, actor_activity
from incidents.geo.countries import SAHEL_COUNTRIES
from incidents.sampledata.synthetic.profile import (
    BASELINE_IS_SHARE,
    BASELINE_SHARE,
    EPISODE_CELL_DEGREES,
    HOTSPOTS,
    KM_PER_DEGREE,
    NEAR_JITTER_KM,
)


@dataclass
class Place:
    id: int
    name: str
    lon: float
    lat: float
    country: str
    is_share: float
    jitter_km: float


class Sampler:
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
    def of(cls, pairs) -> "Sampler":
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
class World:
    """The places (with their weights) and actors the generator draws from."""

    places: list[Place]
    conflict: dict[str, Sampler]
    urban: dict[str, Sampler]
    cells: dict[tuple[str, int, int], list[int]]
    conflict_weights: list[float]
    actors: dict[str, ActorActivity]
    cell_samplers: dict[tuple[str, int, int], Sampler] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "World":
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
            places.append(Place(pid, name, lon, lat, country, is_share, max(jitter, 0.0)))
            conflict_weights.append(w_conflict)
            by_country.setdefault(country, ([], [], []))
            by_country[country][0].append(index)
            by_country[country][1].append(w_conflict)
            by_country[country][2].append(w_urban)
        cells: dict[tuple[str, int, int], list[int]] = {}
        for index, p in enumerate(places):
            cells.setdefault(cell(p), []).append(index)
        return cls(
            places=places,
            conflict={c: Sampler(ix, wc) for c, (ix, wc, _) in by_country.items()},
            urban={c: Sampler(ix, wu) for c, (ix, _, wu) in by_country.items()},
            cells=cells,
            conflict_weights=conflict_weights,
            actors=actor_activity(),
        )

    def near(self, place_index: int) -> Sampler:
        key = cell(self.places[place_index])
        sampler = self.cell_samplers.get(key)
        if sampler is None:
            members = self.cells[key]
            sampler = Sampler(members, [self.conflict_weights[i] for i in members])
            self.cell_samplers[key] = sampler
        return sampler


def cell(place: Place) -> tuple[str, int, int]:
    return (
        place.country,
        math.floor(place.lon / EPISODE_CELL_DEGREES),
        math.floor(place.lat / EPISODE_CELL_DEGREES),
    )
