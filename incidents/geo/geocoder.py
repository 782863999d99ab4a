"""The geocoder: place names and place expressions resolved against the gazetteer and the admin
areas stored in PostgreSQL (no external service).

Two entry points:

- `place_search(query, countries=..., limit=...)` for a type-ahead box: one SQL query over the
  normalised names (`PlaceName.normalised`, `sahel_normalise`: case-, accent- and
  punctuation-insensitive) using the trigram GIN index `place_name_trgm` (pg_trgm's `%`, `<%` and
  `LIKE 'q%'`), so that transliteration variants are found (Tombouctou / Timbuktu, Tinzaouaten /
  Tin Zaouatene, Ouagadougou / Wagadugu).
- `geocode(text, context=..., countries=...)` resolving a place expression as reports write it
  ("Boni", "near Boni", "the Boni area", "30 km north of Djibo", "between Boni and Hombori",
  "on the road from Gao to Ansongo", "l'axe Sévaré-Bandiagara", "Mopti region", "cercle de
  Bandiagara", "commune de Boni", "RN15") to a point, a precision code in both conventions,
  the matched places, the candidates considered, a score and an explicit `unsure` flag with its
  reason.

Ranking (docs/geocoder.md has the tables):

1. name match, in tiers: exact (the whole normalised name, an alternate name, the name without
   its spaces, or an admin row's name without "Cercle de" / "Province" ...) > prefix (a name
   starting with the query) > word (the query is one of the name's words, or close to one) >
   fuzzy (trigram similarity of the whole names). The tier orders first; within a tier:
2. score = 0.6 x name (1.0 exact main name ... similarity for fuzzy) + 0.25 x feature (capital
   1.0, region capital 0.95, admin2 seat 0.85, other populated place 0.6, admin area 0.55, well
   or locality 0.35-0.4, stream 0.2, ...) + 0.15 x population (log10(1 + population) / 6.5,
   at most 1; GeoNames' 0 means unknown).
3. geocode adds the context of the same report (up to +0.3): inside an admin area it names
   (admin2 +0.3, admin1 +0.25, country +0.15), or near another place it names (<= 50 km +0.3,
   <= 100 km +0.2, <= 200 km +0.1). `countries` restricts to those countries.

Precision (ACLED geo_precision / UCDP where_prec):

- an exact populated place, a well, a building: 1 / 1; a lake, a locality, a hill: 2 / 2;
  a stream or a wadi (a line): 2 / 5;
- "near X", "X area", "N km from X" (within 25 km): 2 / 2; further than 25 km: 2 / 5;
- "between X and Y", "on the road from X to Y": the midpoint, with half the distance as its
  radius: 2 / 2 when that radius is at most 25 km, else 2 / 5 (REFERENCE.md: 5 is "between two
  places, or a linear feature");
- an admin area alone: its representative point (the centroid, or a point on the surface when
  the centroid falls outside), or, when only the gazetteer knows it, the gazetteer's point of
  the area: admin1 3 / 4, admin2 and smaller (cercle, province, department, commune) 3 / 3;
  a country 3 / 6;
- a road alone (RN15, N16) cannot be placed: no point, unsure; with a place it is "near" it.

Unsure, with a reason, instead of guessing: no exact name match, and a similarity below 0.6; two
candidates more than 10 km apart within 0.08 of each other (homonyms); the best candidate outside
every admin area the report names; the two ends of a "between" more than 400 km apart; a place
not found, resolved from what else the report names (its admin2, admin1 or a "near X", at the
coarser precision: never silently to the country); a road alone; a country alone.
"""

import math
import re
import time
import weakref
from dataclasses import asdict, dataclass, field, replace
from datetime import date

from django.db import connection, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from actors.names import normalise_name
from incidents.geo.countries import BY_NAME, COUNTRIES
from incidents.precision import GeoPrecision, UcdpWherePrecision

MAX_QUERY_LENGTH = 200
SEARCH_LIMIT = 50
GEOCODE_CANDIDATES = 30

# The score's parts (see the module docstring).
NAME_WEIGHT, FEATURE_WEIGHT, POPULATION_WEIGHT = 0.6, 0.25, 0.15
# Two candidates farther apart than HOMONYM_KM within HOMONYM_MARGIN of each other: unsure.
HOMONYM_KM = 10.0
HOMONYM_MARGIN = 0.08
# A fuzzy match this similar or more may be accepted (flagged unsure when below).
FUZZY_SURE = 0.6
# Names less similar than this (pg_trgm similarity) are not candidates at all.
FUZZY_FLOOR = 0.4
NEAR_RADIUS_KM = 25.0
BETWEEN_TOO_FAR_KM = 400.0
EARTH_RADIUS_KM = 6371.0088

# Feature weights: GeoNames feature codes, then the class's default.
FEATURE_CODE_WEIGHTS = {
    "PPLC": 1.0,
    "PPLA": 0.95,
    "PPLA2": 0.85,
    "PPLA3": 0.75,
    "PPLA4": 0.7,
    "PPLG": 0.9,
    "PPL": 0.6,
    "PPLL": 0.55,
    "PPLX": 0.5,
    "PPLS": 0.5,
    "PPLF": 0.45,
    "PPLR": 0.45,
    "PPLQ": 0.3,
    "PPLW": 0.25,
    "PPLH": 0.25,
    "ADM1": 0.6,
    "ADM2": 0.55,
    "ADM3": 0.5,
    "ADMD": 0.45,
    "WLL": 0.4,
    "WLLS": 0.4,
    "WLLQ": 0.3,
    "OAS": 0.45,
    "LK": 0.35,
    "LKI": 0.3,
    "STM": 0.2,
    "STMI": 0.2,
    "WAD": 0.3,
    "LCTY": 0.4,
    "AREA": 0.3,
    "RGN": 0.3,
}
FEATURE_CLASS_WEIGHTS = {"P": 0.6, "A": 0.5, "S": 0.35, "L": 0.3, "H": 0.3, "T": 0.25, "V": 0.2}
DEFAULT_FEATURE_WEIGHT = 0.2

# (ACLED geo_precision, UCDP where_prec) that a gazetteer entry can claim by itself.
EXACT = (GeoPrecision.EXACT, UcdpWherePrecision.EXACT)
NEAR = (GeoPrecision.NEAR, UcdpWherePrecision.NEAR)
LINE = (GeoPrecision.NEAR, UcdpWherePrecision.REGION)
ADMIN1 = (GeoPrecision.ADMIN_AREA, UcdpWherePrecision.ADMIN1)
ADMIN2 = (GeoPrecision.ADMIN_AREA, UcdpWherePrecision.ADMIN2)
COUNTRY = (GeoPrecision.ADMIN_AREA, UcdpWherePrecision.COUNTRY)
LINEAR_FEATURES = {"STM", "STMI", "STMS", "WAD", "WADS", "VAL", "RD", "TRL", "ESCR", "RDGE"}
AREA_FEATURES = {"LK", "LKS", "LKI", "LKN", "MRSH", "SWMP", "AREA", "LCTY", "RGN", "OAS", "PLN"}
AREA_FEATURES |= {"HLL", "HLLS", "MTS", "PLAT", "DUNE", "ERG", "DPR", "FRST", "RESV", "RESF"}


def suggested_precision(feature_class: str, feature_code: str) -> tuple[int, int]:
    """(ACLED geo_precision, UCDP where_prec) that a gazetteer entry alone justifies."""
    if feature_class == "A":
        if feature_code == "ADM1":
            return ADMIN1
        if feature_code.startswith("PCL"):
            return COUNTRY
        return ADMIN2
    if feature_code in LINEAR_FEATURES:
        return LINE
    if feature_code in AREA_FEATURES or feature_class == "L":
        return NEAR
    return EXACT


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class Candidate:
    """A gazetteer place matching a name, with what the match and the ranking found."""

    place_id: int
    name: str  # the name as matched (an alternate name, say)
    preferred_name: str
    country_code: str
    admin1: str
    admin2: str
    feature_class: str
    feature_code: str
    lon: float
    lat: float
    population: int
    match: str  # exact, prefix, word, fuzzy
    similarity: float
    score: float
    geo_precision: int
    ucdp_where_prec: int
    admin1_id: int | None = None
    admin2_id: int | None = None
    admin1_code: str = ""
    admin2_code: str = ""
    context_bonus: float = 0.0

    @property
    def tier(self) -> int:
        return MATCH_TIERS[self.match]

    def as_dict(self) -> dict:
        return asdict(self)


MATCH_TIERS = {"exact": 3, "prefix": 2, "word": 1, "fuzzy": 0}
TIER_MATCHES = {tier: match for match, tier in MATCH_TIERS.items()}


@dataclass
class Area:
    """An admin area named in a text: a boundary polygon (`area_id`) or, when none is loaded
    at that level, the gazetteer's row of the area (`place_id`)."""

    level: int  # 0 country, 1 admin1, 2 admin2, 3 smaller (commune)
    name: str
    country_code: str
    lon: float
    lat: float
    area_id: int | None = None
    place_id: int | None = None
    admin1_code: str = ""
    admin2_code: str = ""
    score: float = 1.0
    # Named as an area ("cercle de X", "Mopti region"), not a bare name that is also an area's.
    explicit: bool = True

    def contains(self, candidate: Candidate) -> bool:
        if candidate.country_code != self.country_code:
            return False
        if self.level == 0:
            return True
        if self.area_id is not None and self.area_id in (
            candidate.admin1_id,
            candidate.admin2_id,
        ):
            return True
        if self.place_id is None or not self.admin1_code:
            return False
        if self.admin1_code != candidate.admin1_code:
            return False
        return self.level == 1 or (
            bool(self.admin2_code) and self.admin2_code == candidate.admin2_code
        )

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class GeocodeResult:
    """What a place expression resolves to. `lon`/`lat` are None when nothing could be placed;
    `unsure` says that a person should check (and `reason` why)."""

    query: str
    kind: str  # place, near, distance, between, admin_area, country, road, fallback, none
    lon: float | None = None
    lat: float | None = None
    radius_km: float | None = None
    geo_precision: int | None = None
    ucdp_where_prec: int | None = None
    score: float = 0.0
    unsure: bool = True
    reason: str = ""
    places: list[Candidate] = field(default_factory=list)
    area: Area | None = None
    candidates: list[Candidate] = field(default_factory=list)
    road: str = ""

    @property
    def found(self) -> bool:
        return self.lon is not None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["found"] = self.found
        return data


# ---------------------------------------------------------------------------------------------
# place_search: one SQL query


def _feature_weight_sql() -> str:
    codes = " ".join(f"WHEN '{code}' THEN {w}" for code, w in FEATURE_CODE_WEIGHTS.items())
    classes = " ".join(f"WHEN '{cls}' THEN {w}" for cls, w in FEATURE_CLASS_WEIGHTS.items())
    return (
        f"COALESCE(CASE p.feature_code {codes} END, "
        f"CASE p.feature_class {classes} ELSE {DEFAULT_FEATURE_WEIGHT} END)"
    )


# Admin rows of the gazetteer are named "Cercle de Bandiagara", "Soum Province", "Région de
# Mopti": without those words they match the bare name exactly.
ADMIN_WORDS = (
    "region|cercle|circle|province|departement|department|commune|district|prefecture|"
    "arrondissement|municipality|communaute urbaine|commune rurale|commune urbaine"
)
_ADMIN_AFFIX_SQL = (
    f"^(({ADMIN_WORDS}) (de la |du |des |de l |d |de |of the |of )?)|( ({ADMIN_WORDS}))$"
)

SEARCH_SQL = f"""
WITH ids AS (
    -- Three scans of the trigram index, each rechecking only its own condition. {{Q}} is the
    -- query, sahel_normalise(literal): IMMUTABLE, so folded into a constant the planner sees.
    SELECT n.id FROM incidents_placename n WHERE n.normalised %% {{Q}}
    UNION
    SELECT n.id FROM incidents_placename n WHERE {{Q}} <%% n.normalised
    UNION
    SELECT n.id FROM incidents_placename n WHERE n.normalised LIKE {{Q}} || '%%'
),
named AS (
    SELECT n.*,
        CASE
            WHEN n.normalised = {{Q}} THEN 3
            WHEN replace(n.normalised, ' ', '') = replace({{Q}}, ' ', '') THEN 3
            -- An admin row's name holding the query and more: without "Cercle de" ...
            WHEN strpos(n.normalised, {{Q}}) > 0 AND length(n.normalised) > length({{Q}}) + 3
                 AND regexp_replace(n.normalised, '{_ADMIN_AFFIX_SQL}', '') = {{Q}} THEN 3
            WHEN n.normalised LIKE {{Q}} || '%%' THEN 2
            WHEN n.wsim >= 0.6 THEN 1
            ELSE 0
        END AS tier
    FROM (
        SELECT n.place_id, n.name, n.normalised, n.is_primary,
            similarity(n.normalised, {{Q}}) AS sim,
            word_similarity({{Q}}, n.normalised) AS wsim
        FROM ids JOIN incidents_placename n ON n.id = ids.id
    ) n
),
best AS (
    SELECT DISTINCT ON (n.place_id) n.place_id, n.name, n.tier, n.sim,
        CASE n.tier
            WHEN 3 THEN CASE WHEN n.normalised = {{Q}} AND n.is_primary THEN 1.0
                             WHEN n.normalised = {{Q}} THEN 0.97 ELSE 0.93 END
            WHEN 2 THEN 0.7 + 0.2 * n.sim
            WHEN 1 THEN 0.5 + 0.2 * n.wsim
            ELSE 0.8 * n.sim
        END AS name_score
    FROM named n
    ORDER BY n.place_id, n.tier DESC, n.sim DESC, n.is_primary DESC
),
ranked AS (
    SELECT b.*, p.name AS preferred_name, p.country_code, p.feature_class, p.feature_code,
           p.population, p.admin1_id, p.admin2_id, p.admin1_code, p.admin2_code,
           ST_X(p.point) AS lon, ST_Y(p.point) AS lat,
           {NAME_WEIGHT} * b.name_score + {FEATURE_WEIGHT} * {_feature_weight_sql()}
             + {POPULATION_WEIGHT} * least(1.0, log(1 + p.population) / 6.5) AS score
    FROM best b JOIN incidents_place p ON p.id = b.place_id
    WHERE (%(countries)s::text[] IS NULL OR p.country_code = ANY(%(countries)s::text[]))
      AND (%(classes)s::text[] IS NULL OR p.feature_class = ANY(%(classes)s::text[]))
    ORDER BY b.tier DESC, score DESC, p.population DESC, p.id
    LIMIT %(limit)s
)
SELECT r.place_id, r.name, r.preferred_name, r.country_code,
       COALESCE(a1.{{name}}, g1.name, ''), COALESCE(a2.{{name}}, g2.name, ''),
       r.feature_class, r.feature_code, r.lon, r.lat, r.population, r.tier, r.sim, r.score,
       r.admin1_id, r.admin2_id, r.admin1_code, r.admin2_code
FROM ranked r
LEFT JOIN incidents_adminarea a1 ON a1.id = r.admin1_id
LEFT JOIN incidents_adminarea a2 ON a2.id = r.admin2_id
LEFT JOIN LATERAL (
    SELECT g.name FROM incidents_place g
    WHERE a1.id IS NULL AND r.admin1_code <> '' AND g.country_code = r.country_code
      AND g.feature_class = 'A' AND g.feature_code = 'ADM1' AND g.admin1_code = r.admin1_code
    ORDER BY g.id LIMIT 1) g1 ON true
LEFT JOIN LATERAL (
    SELECT g.name FROM incidents_place g
    WHERE a2.id IS NULL AND r.admin2_code <> '' AND g.country_code = r.country_code
      AND g.feature_class = 'A' AND g.feature_code = 'ADM2' AND g.admin1_code = r.admin1_code
      AND g.admin2_code = r.admin2_code
    ORDER BY g.id LIMIT 1) g2 ON true
ORDER BY r.tier DESC, r.score DESC, r.population DESC, r.place_id
""".replace("{Q}", "sahel_normalise(%(q)s)")


def _clean_countries(countries) -> list[str] | None:
    if not countries:
        return None
    if isinstance(countries, str):
        countries = [countries]
    cleaned = []
    for code in countries:
        code = str(code).strip().upper()
        if code not in COUNTRIES:
            raise ValueError(
                _("unknown country code “%(code)s” (ISO 3166 alpha-2 expected)") % {"code": code}
            )
        cleaned.append(code)
    return cleaned


def _admin_name_column() -> str:
    return "name_fr" if (get_language() or "en").startswith("fr") else "name_en"


# The trigram scans, for a name some row holds exactly: the exact names alone (a btree look-up).
# Every row the full search ranks first is one of them (tier 3, "exact", sorts first); only the
# looser matches listed after them are left out. A name no row holds exactly (a variant
# spelling, "Cercle de X" for "X") takes the full search.
EXACT_IDS_SQL = "SELECT n.id FROM incidents_placename n WHERE n.normalised = sahel_normalise(%(q)s)"
_IDS_START = SEARCH_SQL.index("    SELECT n.id FROM incidents_placename n WHERE n.normalised %")
_IDS_END = SEARCH_SQL.index("),\nnamed AS")
EXACT_SEARCH_SQL = SEARCH_SQL[:_IDS_START] + "    " + EXACT_IDS_SQL + "\n" + SEARCH_SQL[_IDS_END:]
# The same ranking over names chosen beforehand (the admin rows an area's name matches).
IDS_SEARCH_SQL = (
    SEARCH_SQL[:_IDS_START] + "    SELECT unnest(%(ids)s::bigint[]) AS id\n" + SEARCH_SQL[_IDS_END:]
)
_ADMIN_AFFIX = re.compile(_ADMIN_AFFIX_SQL)


def _admin_key(normalised: str) -> str:
    return normalised.replace(" ", "")


def _admin_name_index() -> dict[str, list[int]]:
    """The names of the gazetteer's admin rows (feature class A), by what an exact match of the
    search compares (tier 3: the name, without spaces, or without "Cercle de", "Province" ...):
    an area's name finds its rows without a trigram scan."""
    index: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.id, n.normalised FROM incidents_placename n "
            "JOIN incidents_place p ON p.id = n.place_id WHERE p.feature_class = 'A'"
        )
        for name_id, normalised in cursor.fetchall():
            keys = {_admin_key(normalised), _admin_key(_ADMIN_AFFIX.sub("", normalised))}
            for key in keys:
                index.setdefault(key, []).append(name_id)
    return index


class _GazetteerCache:
    """Answers of the gazetteer queries, kept per process: a report names the same regions and
    towns again and again, and a worker geocodes report after report. Dropped when the
    gazetteer or the boundaries change (their key is asked at most every CHECK_SECONDS) and at
    the latest every KEEP_SECONDS (an edit of a place's point in the admin shows within it)."""

    CHECK_SECONDS = 2.0
    KEEP_SECONDS = 60.0
    MAX_ENTRIES = 20_000
    KEY_SQL = (
        "SELECT (SELECT min(id) FROM incidents_placename), (SELECT max(id) FROM "
        "incidents_placename), (SELECT count(*) FROM incidents_adminarea), "
        "(SELECT max(updated_at) FROM incidents_adminarea)"
    )

    def __init__(self):
        self.values: dict = {}
        self.key = None
        self.checked = self.filled = 0.0

    def get(self, key, compute):
        now = time.monotonic()
        if now - self.checked >= self.CHECK_SECONDS or self.key is None:
            with connection.cursor() as cursor:
                cursor.execute(self.KEY_SQL)
                table_key = tuple(cursor.fetchone())
            if table_key != self.key or now - self.filled >= self.KEEP_SECONDS:
                self.values.clear()
                self.key, self.filled = table_key, now
            self.checked = now
        if key not in self.values:
            if len(self.values) >= self.MAX_ENTRIES:  # the admin-name index is rebuilt then
                self.values.clear()
            self.values[key] = compute()
        return self.values[key]

    def clear(self) -> None:
        self.values.clear()
        self.key = None


GAZETTEER_CACHE = _GazetteerCache()


def _search(
    query: str,
    *,
    countries: list[str] | None,
    limit: int,
    classes: list[str] | None = None,
    exact_first: bool = False,
) -> list[Candidate]:
    """The gazetteer's candidates for a name, best first. With `exact_first` (geocoding, which
    always takes an exact match over a looser one), a name some place holds exactly returns
    those places alone, without the trigram scans; a search list (place_search) keeps the
    looser matches after them."""
    if len(normalise_name(query)) < 2:
        return []
    key = (
        "search",
        normalise_name(query),
        tuple(countries or ()),
        limit,
        tuple(classes or ()),
        exact_first,
        _admin_name_column(),
    )
    return list(
        GAZETTEER_CACHE.get(
            key, lambda: _search_uncached(query, countries, limit, classes, exact_first)
        )
    )


def _search_uncached(query: str, countries, limit: int, classes, exact_first) -> list[Candidate]:
    params = {"q": query, "countries": countries, "classes": classes, "limit": limit}
    rows = _search_rows(EXACT_SEARCH_SQL, params) if exact_first else []
    if not rows and exact_first and classes == ["A"]:
        # Admin rows: those named exactly (tier 3) are all an area look-up uses.
        index = GAZETTEER_CACHE.get(("admin names",), _admin_name_index)
        ids = index.get(_admin_key(normalise_name(query)), [])
        return _candidates(_search_rows(IDS_SEARCH_SQL, {**params, "ids": ids})) if ids else []
    if not rows:
        with transaction.atomic(), connection.cursor() as cursor:
            # pg_trgm's `%` threshold, for this transaction only: below it, short names bring
            # thousands of rows to recheck for little gain.
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(FUZZY_FLOOR)]
            )
            rows = _search_rows(SEARCH_SQL, params, cursor)
    return _candidates(rows)


# The searches as prepared statements, one per query and admin-name language. Planning the
# search (its ranking expressions, the joins) takes longer than running it (about 1.2 ms against
# 0.1 ms for an exact name): prepared once per database connection, each look-up is planned
# once (PostgreSQL keeps a generic plan after a few executions) and only executed. The query is
# normalised (sahel_normalise) as EXECUTE's argument, once, not in every row's expressions.
_PREPARED_QUERIES = {"exact": EXACT_SEARCH_SQL, "fuzzy": SEARCH_SQL, "ids": IDS_SEARCH_SQL}
_PREPARED_ON: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _prepared_sql(sql: str) -> str:
    return (
        sql.replace("sahel_normalise(%(q)s)", "$1")
        .replace("%(countries)s", "$2")
        .replace("%(classes)s", "$3")
        .replace("%(limit)s", "$4")
        .replace("%(ids)s", "$5")
    )


def _search_rows(sql: str, params: dict, cursor=None) -> list[tuple]:
    if cursor is None:
        with connection.cursor() as own:
            return _search_rows(sql, params, own)
    column = _admin_name_column()
    kind = next(k for k, text in _PREPARED_QUERIES.items() if text is sql)
    name = f"geocoder_{kind}_{column}"
    connection.ensure_connection()
    prepared = _PREPARED_ON.setdefault(connection.connection, set())
    if name not in prepared:
        # Not transactional: a prepared statement outlives a rolled-back transaction.
        # With an (empty) parameter list, so that the driver reads `%%` as `%` whatever the
        # cursor wrappers do with a statement without parameters.
        cursor.execute(
            f"PREPARE {name} (text, text[], text[], integer, bigint[]) AS "
            + _prepared_sql(sql.replace("{name}", column)),
            [],
        )
        prepared.add(name)
    cursor.execute(
        f"EXECUTE {name} (sahel_normalise(%s), %s::text[], %s::text[], %s::integer, %s::bigint[])",
        [params["q"], params["countries"], params["classes"], params["limit"], params.get("ids")],
    )
    return cursor.fetchall()


def _candidates(rows: list[tuple]) -> list[Candidate]:
    # sahel_normalise leaves no % or _ (LIKE's wildcards) in the query.
    candidates = []
    for row in rows:
        (place_id, name, preferred, country, admin1, admin2, fclass, fcode, lon, lat, population,
         tier, sim, score, admin1_id, admin2_id, admin1_code, admin2_code) = row  # fmt: skip
        geo, ucdp = suggested_precision(fclass, fcode)
        candidates.append(
            Candidate(
                place_id=place_id,
                name=name,
                preferred_name=preferred,
                country_code=country,
                admin1=admin1,
                admin2=admin2,
                feature_class=fclass,
                feature_code=fcode,
                lon=lon,
                lat=lat,
                population=population,
                match=TIER_MATCHES[tier],
                similarity=round(float(sim), 3),
                score=round(float(score), 4),
                geo_precision=int(geo),
                ucdp_where_prec=int(ucdp),
                admin1_id=admin1_id,
                admin2_id=admin2_id,
                admin1_code=admin1_code,
                admin2_code=admin2_code,
            )
        )
    return candidates


def place_search(query: str, *, countries=None, limit: int = 10) -> list[Candidate]:
    """Gazetteer places whose names match `query` (accent-, case- and punctuation-insensitive,
    fuzzy for transliteration variants), best first: exact > prefix > word > fuzzy name match,
    then by score (name, feature type, population; see the module docstring). `countries`
    (ISO alpha-2 codes) restricts the search to those countries. A query of fewer than two
    letters once normalised finds nothing; an unknown country code is a ValueError."""
    if not isinstance(query, str):
        raise ValueError(_("the query must be text"))
    if len(query) > MAX_QUERY_LENGTH:
        raise ValueError(
            _("the query is longer than %(max)d characters") % {"max": MAX_QUERY_LENGTH}
        )
    limit = max(1, min(int(limit), SEARCH_LIMIT))
    return _search(query, countries=_clean_countries(countries), limit=limit)


# ---------------------------------------------------------------------------------------------
# Admin areas


ADMIN_FEATURES = {1: ("ADM1",), 2: ("ADM2",), 3: ("ADM3", "ADM4", "ADMD")}


def _areas(name: str, levels: tuple[int, ...], countries: list[str] | None) -> list[Area]:
    """Admin areas named `name` (exactly, once normalised) at `levels`: boundary polygons first,
    else the gazetteer's admin rows ("Cercle de Bandiagara", "Bandiagara Cercle")."""
    key = ("areas", normalise_name(name), levels, tuple(countries or ()), _admin_name_column())
    return list(GAZETTEER_CACHE.get(key, lambda: _areas_uncached(name, levels, countries)))


# Every boundary polygon's names and point, read once per process (a few hundred rows): an
# area's name is then found without a query. Its point is the polygon's centroid, or a point
# on its surface when the centroid falls outside.
AREA_INDEX_SQL = """
SELECT a.id, a.level, a.country_code, a.name_en, a.name_fr, ST_X(pt.p), ST_Y(pt.p)
FROM incidents_adminarea a
CROSS JOIN LATERAL (SELECT CASE WHEN ST_Covers(a.geom_simplified, ST_Centroid(a.geom_simplified))
                                THEN ST_Centroid(a.geom_simplified)
                                ELSE ST_PointOnSurface(a.geom_simplified) END AS p) pt
WHERE a.level <= 2
"""


def _area_index() -> dict[str, list[tuple]]:
    index: dict[str, list[tuple]] = {}
    with connection.cursor() as cursor:
        cursor.execute(AREA_INDEX_SQL)
        for area_id, level, country, name_en, name_fr, lon, lat in cursor.fetchall():
            names = {normalise_name(name_en or ""), normalise_name(name_fr or "")} - {""}
            row = (area_id, level, country, name_en, name_fr, lon, lat, names)
            for key in {n.replace(" ", "") for n in names}:
                index.setdefault(key, []).append(row)
    return index


def _polygon_areas(name: str, levels: list[int], countries) -> list[Area]:
    """The areas at `levels` named `name` once normalised (in English or French, spaces aside),
    the most detailed level first."""
    query = normalise_name(name)
    found = []
    for area_id, level, country, name_en, name_fr, lon, lat, names in GAZETTEER_CACHE.get(
        ("area index",), _area_index
    ).get(query.replace(" ", ""), []):
        if level not in levels or (countries and country not in countries):
            continue
        # similarity() of equal names is 1; of names equal but for spaces, a little less.
        sim = 1.0 if query in names else 0.9
        label = name_fr if _admin_name_column() == "name_fr" else name_en
        found.append(Area(level, label, country, lon, lat, area_id=area_id, score=sim))
    found.sort(key=lambda a: (-a.level, -a.score, a.area_id))
    return found


def _areas_uncached(name: str, levels, countries) -> list[Area]:
    areas: list[Area] = []
    polygon_levels = [lvl for lvl in levels if lvl <= 2]
    if polygon_levels:
        areas.extend(_polygon_areas(name, polygon_levels, countries))
    found_levels = {a.level for a in areas}
    wanted = [lvl for lvl in levels if lvl >= 1 and lvl not in found_levels]
    if wanted:
        rows = _search(
            name, countries=countries, limit=GEOCODE_CANDIDATES, classes=["A"], exact_first=True
        )
        for c in rows:
            if c.match != "exact":
                continue
            level = next((lvl for lvl in wanted if c.feature_code in ADMIN_FEATURES[lvl]), None)
            if level is None:
                continue
            areas.append(
                Area(
                    level,
                    c.preferred_name,
                    c.country_code,
                    c.lon,
                    c.lat,
                    place_id=c.place_id,
                    admin1_code=c.admin1_code,
                    admin2_code=c.admin2_code,
                    score=c.score,
                )
            )
    return areas


# ---------------------------------------------------------------------------------------------
# Parsing place expressions (English and French)


@dataclass
class Expression:
    kind: str  # place, near, distance, between, admin_area, road
    names: list[str]
    road: str = ""
    levels: tuple[int, ...] = ()
    distance_km: float | None = None
    bearing: float | None = None
    extra_context: list[str] = field(default_factory=list)


ROAD = re.compile(
    r"\b(?:(?:RN|RR|N)\s?-?\s?(\d{1,3})|route\s+nationale\s+(?:n[°o]\s*)?(\d{1,3})|"
    r"national\s+(?:road|highway)\s+(?:no\.?\s*)?(\d{1,3}))\b",
    re.IGNORECASE,
)
BETWEEN = re.compile(r"\b(?:between|entre)\s+(.+?)\s+(?:and|et)\s+(.+)$", re.IGNORECASE)
ROAD_FROM_TO = re.compile(
    r"\b(?:road|route|axis|axe|highway|piste|track)\s+(?:from|de|d'|d’|du|linking|reliant)\s*"
    r"(.+?)\s+(?:to|à|a|vers|towards|and|et)\s+(.+)$",
    re.IGNORECASE,
)
ROAD_DASH = re.compile(
    r"^(?:on\s+|sur\s+)?(?:the\s+|l'|l’|la\s+)?(?:road|route|axis|axe|highway|piste)\s+(.+)$",
    re.IGNORECASE,
)
DASH_ROAD = re.compile(r"^(?:on\s+)?(?:the\s+)?(.+?)\s+(?:road|axis|highway|route)$", re.IGNORECASE)
DIRECTIONS = {
    "north": 0,
    "nord": 0,
    "north east": 45,
    "northeast": 45,
    "nord est": 45,
    "east": 90,
    "est": 90,
    "south east": 135,
    "southeast": 135,
    "sud est": 135,
    "south": 180,
    "sud": 180,
    "south west": 225,
    "southwest": 225,
    "sud ouest": 225,
    "west": 270,
    "ouest": 270,
    "north west": 315,
    "northwest": 315,
    "nord ouest": 315,
}
DISTANCE = re.compile(
    r"^(?:(?:about|some|around|roughly|approximately|environ|à|a|at|quelque)\s+)*"
    r"(\d+(?:[.,]\d+)?)\s*(?:km|kms|kilom[eè]tres?|kilometers?|kilometres?)\s+"
    r"(?:(?:to\s+the\s+|au\s+|à\s+l'|à\s+l’|a\s+l')?"
    r"((?:north|south|nord|sud)?[\s-]?(?:east|west|est|ouest)?|north|south|nord|sud)\s+)?"
    r"(?:of|from|de|du|des|d'|d’)\s*(.+)$",
    re.IGNORECASE,
)
NEAR_PREFIX = re.compile(
    r"^(?:near|nearby|close\s+to|outside|just\s+outside|on\s+the\s+outskirts\s+of|"
    r"in\s+the\s+vicinity\s+of|in\s+the\s+area\s+of|around|in\s+the\s+surroundings\s+of|"
    r"près\s+de|pres\s+de|non\s+loin\s+de|aux\s+environs\s+de|dans\s+les\s+environs\s+de|"
    r"à\s+proximité\s+de|a\s+proximite\s+de|aux\s+alentours\s+de|autour\s+de|"
    r"dans\s+la\s+zone\s+de|dans\s+la\s+périphérie\s+de|en\s+périphérie\s+de|"
    r"à\s+la\s+sortie\s+de)\s+(?:the\s+(?:town|village|city)\s+of\s+|la\s+ville\s+de\s+|"
    r"du\s+village\s+de\s+|la\s+localité\s+de\s+|l'|l’)?(.+)$",
    re.IGNORECASE,
)
NEAR_SUFFIX = re.compile(
    r"^(?:the\s+)?(.+?)\s+(?:area|vicinity|surroundings|outskirts|environs)$", re.IGNORECASE
)
ADMIN_PREFIX = re.compile(
    r"^(?:in\s+|dans\s+|the\s+|la\s+|le\s+|les\s+)*"
    r"(r[ée]gion|cercle|circle|commune(?:\s+(?:rurale|urbaine))?|rural\s+commune|province|"
    r"d[ée]partement|department|district|municipality|pr[ée]fecture)\s+"
    r"(?:de\s+la\s+|du\s+|des\s+|de\s+l'|de\s+l’|d'|d’|de\s+|of\s+(?:the\s+)?)?(.+)$",
    re.IGNORECASE,
)
ADMIN_SUFFIX = re.compile(
    r"^(?:in\s+)?(?:the\s+)?(.+?)\s+(region|cercle|circle|commune|province|department|"
    r"département|district|municipality)$",
    re.IGNORECASE,
)
PLACE_PREFIX = re.compile(
    r"^(?:(?:in|at|à|a|au|dans|en)\s+)?(?:the\s+(?:town|village|city|locality|hamlet)\s+of\s+|"
    r"(?:la\s+)?(?:ville|localité|localite|commune)\s+de\s+|(?:le\s+)?(?:village|hameau)\s+"
    r"(?:de\s+|d'|d’)|the\s+)?(.+)$",
    re.IGNORECASE,
)
ADMIN_LEVELS = {
    "region": (1,),
    "cercle": (2,),
    "circle": (2,),
    "province": (2,),
    "departement": (2, 3),
    "department": (2, 3),
    "district": (1, 2),
    "prefecture": (2,),
    "commune": (3,),
    "commune rurale": (3,),
    "commune urbaine": (3,),
    "rural commune": (3,),
    "municipality": (3,),
}


def _strip(text: str) -> str:
    return text.strip().strip(" \t\n,.;:!?\"'«»“”()").strip()


def parse_expression(text: str) -> Expression:
    """Reads a place expression into its kind and the names it holds (English and French)."""
    text = " ".join(text.split())
    road = ""
    road_match = ROAD.search(text)
    if road_match:
        number = next(g for g in road_match.groups() if g)
        road = f"RN{int(number)}"
        text = _strip(
            (text[: road_match.start()] + " " + text[road_match.end() :]).replace("  ", " ")
        )
        text = re.sub(
            r"^(?:on\s+|sur\s+)?(?:the\s+|la\s+|l'|l’)?(?:road|route|axe|axis)?\s*",
            "",
            text,
            flags=re.IGNORECASE,
        )
    extra: list[str] = []
    # "Boni (Mali)", "Boni, Douentza": what follows is context.
    paren = re.match(r"^(.+?)\s*\((.+)\)$", text)
    if paren:
        text, extra = paren.group(1), [paren.group(2)]
    if "," in text and not BETWEEN.search(text):
        head, *rest = [part for part in (_strip(p) for p in text.split(",")) if part]
        text, extra = head if rest or head else text, extra + rest
    text = _strip(text)

    def made(kind: str, names: list[str], **kw) -> Expression:
        names = [_strip(n) for n in names if _strip(n)]
        return Expression(kind, names, road=road, extra_context=extra, **kw)

    if not text:
        return made("road" if road else "place", [])
    for pattern in (BETWEEN, ROAD_FROM_TO):
        m = pattern.search(text)
        if m:
            return made("between", [_place_name(m.group(1)), _place_name(m.group(2))])
    m = ROAD_DASH.match(text) or DASH_ROAD.match(text)
    if m and re.search(r"\s[-–—/]\s|[–—/]|-", m.group(1)):
        return made("between", [m.group(1)])  # split later, where names can be checked
    m = DISTANCE.match(text)
    if m:
        distance = float(m.group(1).replace(",", "."))
        direction = normalise_name(m.group(2) or "")
        return made(
            "distance",
            [_place_name(m.group(3))],
            distance_km=distance,
            bearing=DIRECTIONS.get(direction),
        )
    m = NEAR_PREFIX.match(text) or NEAR_SUFFIX.match(text)
    if m:
        return made("near", [_place_name(m.group(1))])
    m = ADMIN_PREFIX.match(text)
    if m:
        return made("admin_area", [m.group(2)], levels=ADMIN_LEVELS[normalise_name(m.group(1))])
    m = ADMIN_SUFFIX.match(text)
    if m:
        return made("admin_area", [m.group(1)], levels=ADMIN_LEVELS[normalise_name(m.group(2))])
    return made("near" if road else "place", [_place_name(text)])


def _place_name(text: str) -> str:
    m = PLACE_PREFIX.match(_strip(text))
    name = _strip(m.group(1)) if m else _strip(text)
    return name or _strip(text)


def _dash_splits(text: str) -> list[tuple[str, str]]:
    """The ways "X-Y" can be read as two names: spaced or long dashes first, then each hyphen
    (names have hyphens of their own: Gourma-Rharous, Bobo-Dioulasso)."""
    strong = re.split(r"\s+[-–—/]\s+|[–—/]", text)
    if len(strong) == 2:
        return [(strong[0], strong[1])]
    return [
        (text[: m.start()], text[m.end() :])
        for m in re.finditer(r"-", text)
        if text[: m.start()].strip() and text[m.end() :].strip()
    ]


# ---------------------------------------------------------------------------------------------
# Context: the other places and areas named in the same report


@dataclass
class Context:
    areas: list[Area] = field(default_factory=list)
    places: list[Candidate] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    near: list[Expression] = field(default_factory=list)  # "near X" expressions

    @property
    def empty(self) -> bool:
        return not (self.areas or self.places or self.countries)


def _country_named(text: str) -> str | None:
    key = normalise_name(text)
    for name, country in BY_NAME.items():
        if normalise_name(name) == key:
            return country.iso2
    if key == "burkina":
        return "BF"
    return None


def _resolve_context(items, countries: list[str] | None) -> Context:
    context = Context()
    for item in items or []:
        if not isinstance(item, str) or not normalise_name(item):
            continue
        country = _country_named(item)
        if country:
            context.countries.add(country)
            continue
        expr = parse_expression(item)
        if expr.kind == "admin_area":
            context.areas.extend(_areas(expr.names[0], expr.levels, countries))
            continue
        for name in expr.names:
            # A bare name may be an area's ("Mopti", "Soum") as well as a place's.
            context.areas.extend(
                replace(a, explicit=False) for a in _areas(name, (1, 2), countries)
            )
            found = [
                c
                for c in _search(name, countries=countries, limit=10, exact_first=True)
                if c.tier == 3
            ]
            if found:
                top = found[0].score
                context.places.extend(c for c in found if c.score >= top - HOMONYM_MARGIN)
        if expr.kind in ("near", "distance") and expr.names:
            context.near.append(expr)
    return context


def _context_bonus(candidate: Candidate, context: Context) -> float:
    area = 0.0
    for a in context.areas:
        if a.contains(candidate):
            area = max(area, {0: 0.15, 1: 0.25}.get(a.level, 0.3))
    if candidate.country_code in context.countries:
        area = max(area, 0.15)
    nearby = 0.0
    # An area's point (its centroid or seat) says nothing of where in it a place lies.
    for p in [] if candidate.feature_class == "A" else context.places:
        if p.place_id == candidate.place_id:
            continue
        km = distance_km(candidate.lon, candidate.lat, p.lon, p.lat)
        nearby = max(nearby, 0.3 if km <= 50 else 0.2 if km <= 100 else 0.1 if km <= 200 else 0)
    return min(0.3, max(area, nearby))


# ---------------------------------------------------------------------------------------------
# Geometry on the sphere (a handful of points: no need for the database)


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def midpoint(lon1: float, lat1: float, lon2: float, lat2: float) -> tuple[float, float]:
    p1, p2, l1 = math.radians(lat1), math.radians(lat2), math.radians(lon1)
    dl = math.radians(lon2 - lon1)
    bx, by = math.cos(p2) * math.cos(dl), math.cos(p2) * math.sin(dl)
    lat = math.atan2(math.sin(p1) + math.sin(p2), math.hypot(math.cos(p1) + bx, by))
    lon = l1 + math.atan2(by, math.cos(p1) + bx)
    return round(math.degrees(lon), 6), round(math.degrees(lat), 6)


def destination(lon: float, lat: float, bearing: float, km: float) -> tuple[float, float]:
    d, b = km / EARTH_RADIUS_KM, math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return round(math.degrees(l2), 6), round(math.degrees(p2), 6)


# ---------------------------------------------------------------------------------------------
# geocode


def _ranked(name: str, countries: list[str] | None, context: Context) -> list[Candidate]:
    candidates = _search(name, countries=countries, limit=GEOCODE_CANDIDATES, exact_first=True)
    if not context.empty:
        candidates = [
            replace(
                c,
                context_bonus=(bonus := _context_bonus(c, context)),
                score=round(c.score + bonus, 4),
            )
            for c in candidates
        ]
    # A name that is a town's and an admin area's, in a place expression, means the town.
    candidates.sort(
        key=lambda c: (c.tier, c.feature_class != "A", c.score, c.population), reverse=True
    )
    return candidates


def _weak(best: Candidate) -> bool:
    """Only a loose match: not the name, nor close enough to it."""
    return best.tier < 3 and best.similarity < FUZZY_SURE


def _doubt(name: str, best: Candidate, candidates: list[Candidate], context: Context) -> str:
    """Why the best candidate should be checked by a person ('' when it need not be)."""
    if _weak(best):
        return _("no gazetteer name matches “%(query)s”; the closest is “%(name)s”") % {
            "query": name,
            "name": best.name,
        }
    rivals = [
        c
        for c in candidates
        if c is not best
        and c.tier == best.tier
        and c.score >= best.score - HOMONYM_MARGIN
        and distance_km(c.lon, c.lat, best.lon, best.lat) > HOMONYM_KM
        and not (best.feature_class == "P" and c.feature_class == "A")
    ]
    if rivals:
        where = ", ".join(
            sorted({_describe(c) for c in [best, *rivals[:4]]}, key=lambda s: s.lower())
        )
        return _("several places share this name and nothing tells them apart: %(places)s") % {
            "places": where
        }
    named = [a for a in context.areas if a.explicit]
    if named and not any(a.contains(best) for a in named):
        return _("the best match lies outside every admin area named in the same report")
    return ""


def _describe(c: Candidate) -> str:
    admin = ", ".join(x for x in (c.admin2, c.admin1) if x)
    return f"{c.preferred_name} ({c.country_code}{', ' + admin if admin else ''})"


def _place_result(query: str, name: str, countries, context: Context, kind: str) -> GeocodeResult:
    candidates = _ranked(name, countries, context)
    if not candidates:
        return GeocodeResult(
            query=query, kind="none", reason=_("no place of this name in the gazetteer")
        )
    best = candidates[0]
    reason = _doubt(name, best, candidates, context)
    if kind == "near":
        geo, ucdp = NEAR if best.geo_precision == GeoPrecision.EXACT else _coarsest(best)
    else:
        geo, ucdp = best.geo_precision, best.ucdp_where_prec
    return GeocodeResult(
        query=query,
        kind=kind,
        lon=best.lon,
        lat=best.lat,
        radius_km=NEAR_RADIUS_KM if kind == "near" else None,
        geo_precision=int(geo),
        ucdp_where_prec=int(ucdp),
        score=best.score,
        unsure=bool(reason),
        reason=reason,
        places=[best],
        candidates=candidates,
    )


def _coarsest(c: Candidate) -> tuple[int, int]:
    return max(c.geo_precision, GeoPrecision.NEAR), max(c.ucdp_where_prec, UcdpWherePrecision.NEAR)


def _area_result(query: str, expr: Expression, countries, context: Context) -> GeocodeResult:
    name = expr.names[0]
    areas = _areas(name, expr.levels, countries)
    if areas and not context.empty:
        inside = [a for a in areas if a.country_code in _context_countries(context)]
        areas = inside or areas
    if not areas and 3 in expr.levels:
        # A commune without a row of its own: its seat, the place of the same name.
        seat = _place_result(query, name, countries, context, "place")
        if seat.found and seat.places[0].feature_class == "P":
            geo, ucdp = ADMIN2
            return replace(seat, kind="admin_area", geo_precision=geo, ucdp_where_prec=ucdp)
    if not areas:
        return GeocodeResult(
            query=query, kind="none", reason=_("no admin area of this name is known")
        )
    best = areas[0]
    rivals = [
        a
        for a in areas[1:]
        if a.level == best.level and distance_km(a.lon, a.lat, best.lon, best.lat) > HOMONYM_KM
    ]
    geo, ucdp = ADMIN1 if best.level == 1 else ADMIN2
    reason = ""
    if rivals:
        reason = _("several admin areas share this name: %(areas)s") % {
            "areas": ", ".join(f"{a.name} ({a.country_code})" for a in [best, *rivals])
        }
    return GeocodeResult(
        query=query,
        kind="admin_area",
        lon=best.lon,
        lat=best.lat,
        geo_precision=int(geo),
        ucdp_where_prec=int(ucdp),
        score=round(float(best.score), 4),
        unsure=bool(reason),
        reason=reason,
        area=best,
    )


def _context_countries(context: Context) -> set[str]:
    return (
        context.countries
        | {a.country_code for a in context.areas}
        | {p.country_code for p in context.places}
    )


def _between_result(query: str, expr: Expression, countries, context: Context) -> GeocodeResult:
    if len(expr.names) == 1:
        splits = _dash_splits(expr.names[0])
        if not splits:
            return _place_result(query, expr.names[0], countries, context, "near")
        results = [
            _between_result(query, replace(expr, names=[a.strip(), b.strip()]), countries, context)
            for a, b in splits
        ]
        return max(results, key=lambda r: (r.found, not r.unsure, r.score))
    first_name, second_name = expr.names[:2]
    # Each end is the other's context: of two homonyms, the one near the other end.
    ends = []
    for name, other in ((first_name, second_name), (second_name, first_name)):
        end_context = _resolve_context([other], countries)
        end_context.areas += context.areas
        end_context.places += context.places
        end_context.countries |= context.countries
        ends.append(_place_result(name, name, countries, end_context, "place"))
    if not all(e.found for e in ends):
        missing = [n for n, e in zip((first_name, second_name), ends, strict=True) if not e.found]
        found = [e for e in ends if e.found]
        reason = _("one end of the road or span was not found: %(names)s") % {
            "names": ", ".join(missing)
        }
        if found:
            only = found[0]
            return replace(
                only,
                query=query,
                kind="near",
                radius_km=NEAR_RADIUS_KM,
                geo_precision=int(NEAR[0]),
                ucdp_where_prec=int(NEAR[1]),
                unsure=True,
                reason=reason,
                road=expr.road,
            )
        return GeocodeResult(query=query, kind="none", reason=reason, road=expr.road)
    a, b = ends[0].places[0], ends[1].places[0]
    span = distance_km(a.lon, a.lat, b.lon, b.lat)
    lon, lat = midpoint(a.lon, a.lat, b.lon, b.lat)
    radius = round(span / 2, 1)
    reasons = [e.reason for e in ends if e.unsure]
    if span > BETWEEN_TOO_FAR_KM:
        reasons.append(
            _("the two places are %(km)d km apart: too far for a point between them")
            % {"km": round(span)}
        )
    return GeocodeResult(
        query=query,
        kind="between",
        lon=lon,
        lat=lat,
        radius_km=radius,
        geo_precision=int(GeoPrecision.NEAR),
        ucdp_where_prec=int(
            UcdpWherePrecision.NEAR if radius <= NEAR_RADIUS_KM else UcdpWherePrecision.REGION
        ),
        score=round(min(a.score, b.score), 4),
        unsure=bool(reasons),
        reason="; ".join(reasons),
        places=[a, b],
        candidates=ends[0].candidates + ends[1].candidates,
        road=expr.road,
    )


def _distance_result(query: str, expr: Expression, countries, context: Context) -> GeocodeResult:
    base = _place_result(query, expr.names[0], countries, context, "place")
    if not base.found:
        return base
    km = expr.distance_km or 0.0
    lon, lat = base.lon, base.lat
    if expr.bearing is not None:
        lon, lat = destination(base.lon, base.lat, expr.bearing, km)
        # A compass point is good to about 22.5 degrees either side.
        radius = max(5.0, round(km * math.sin(math.radians(22.5)), 1))
    else:
        radius = km
    ucdp = UcdpWherePrecision.NEAR if radius <= NEAR_RADIUS_KM else UcdpWherePrecision.REGION
    return replace(
        base,
        kind="distance",
        lon=lon,
        lat=lat,
        radius_km=radius,
        geo_precision=int(GeoPrecision.NEAR),
        ucdp_where_prec=int(ucdp),
    )


def _fallback(query: str, result: GeocodeResult, context: Context, countries) -> GeocodeResult:
    """A place the gazetteer does not have: what else the report names, coarser, and unsure."""
    options: list[GeocodeResult] = []
    for expr in context.near:
        near = _place_result(query, expr.names[0], countries, Context(), "near")
        if near.found and not near.unsure:
            options.append(near)
    for area in sorted(context.areas, key=lambda a: -a.level):
        if area.level == 0 or not area.explicit:
            continue
        geo, ucdp = ADMIN1 if area.level == 1 else ADMIN2
        options.append(
            GeocodeResult(
                query=query,
                kind="fallback",
                lon=area.lon,
                lat=area.lat,
                geo_precision=int(geo),
                ucdp_where_prec=int(ucdp),
                score=0.0,
                area=area,
            )
        )
    if not options:
        return result
    chosen = min(options, key=lambda r: (r.geo_precision, r.ucdp_where_prec))
    where = chosen.area.name if chosen.area else chosen.places[0].preferred_name
    return replace(
        chosen,
        kind="fallback",
        unsure=True,
        reason=_(
            "“%(name)s” is not in the gazetteer; placed by what the same report names "
            "(%(where)s), at a coarser precision"
        )
        % {"name": query, "where": where},
        candidates=result.candidates,
    )


def geocode(
    text_or_name: str,
    *,
    context=None,
    countries=None,
    report_date: date | None = None,
) -> GeocodeResult:
    """Resolves a place expression (a name, "near X", "X area", "N km north of X", "between X
    and Y", "on the road from X to Y", "Mopti region", "cercle de X", "commune de X", a road
    such as RN15, in English or French) to a point with its precision in both conventions, the
    matched places, the candidates considered and a score; `unsure` (with `reason`) when a
    person should check rather than trust it. `context`: the other places and admin areas named
    in the same report (names or expressions), used to choose between homonyms and to fall
    back when the place is not in the gazetteer. `countries` restricts to those countries.
    `report_date` is accepted for the extractor's sake; the gazetteer has no dates yet.
    Raises ValueError for input that is not a place expression at all (empty, punctuation only,
    too long)."""
    del report_date  # names have no validity periods in the gazetteer (yet)
    if not isinstance(text_or_name, str):
        raise ValueError(_("the place expression must be text"))
    if len(text_or_name) > MAX_QUERY_LENGTH:
        raise ValueError(
            _("the place expression is longer than %(max)d characters") % {"max": MAX_QUERY_LENGTH}
        )
    if len(normalise_name(text_or_name)) < 2:
        raise ValueError(_("the place expression is empty"))
    codes = _clean_countries(countries)
    query = " ".join(text_or_name.split())
    expr = parse_expression(query)
    ctx = _resolve_context([*(context or []), *expr.extra_context], codes)
    if expr.kind == "road" or (expr.road and not expr.names):
        return GeocodeResult(
            query=query,
            kind="road",
            road=expr.road,
            reason=_("a road alone cannot be placed: name a place on it"),
        )
    country = _country_named(expr.names[0]) if len(expr.names) == 1 else None
    if country and expr.kind == "place":
        return _country_result(query, country)
    if expr.kind == "between":
        result = _between_result(query, expr, codes, ctx)
    elif expr.kind == "admin_area":
        result = _area_result(query, expr, codes, ctx)
    elif expr.kind == "distance":
        result = _distance_result(query, expr, codes, ctx)
    else:
        result = _place_result(query, expr.names[0], codes, ctx, expr.kind)
        if not result.found or result.places[0].tier < 3:
            # Not a place name, perhaps an admin area's ("Soum", "Tillabéri")
            areas = _area_result(query, replace(expr, levels=(1, 2)), codes, ctx)
            if areas.found and not result.found:
                result = areas
    weak = not result.found or (result.places and _weak(result.places[0]))
    if weak and expr.kind in ("place", "near") and (ctx.near or any(a.explicit for a in ctx.areas)):
        result = _fallback(expr.names[0], result, ctx, codes)
        result.query = query
    if expr.road and result.found:
        result.road = expr.road
    return result


def _country_result(query: str, code: str) -> GeocodeResult:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name_en, ST_X(ST_PointOnSurface(geom_simplified)), "
            "ST_Y(ST_PointOnSurface(geom_simplified)) FROM incidents_adminarea "
            "WHERE level = 0 AND country_code = %s",
            [code],
        )
        row = cursor.fetchone()
    if row is None:
        return GeocodeResult(query=query, kind="none", reason=_("the country has no boundary"))
    area_id, name, lon, lat = row
    return GeocodeResult(
        query=query,
        kind="country",
        lon=lon,
        lat=lat,
        geo_precision=int(COUNTRY[0]),
        ucdp_where_prec=int(COUNTRY[1]),
        score=1.0,
        unsure=True,
        reason=_("only the country is named"),
        area=Area(0, name, code, lon, lat, area_id=area_id),
    )
