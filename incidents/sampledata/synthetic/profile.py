"""The shape of the synthetic data: where conflict concentrates (hotspots), how much of it per
year, country and season, which event types and sub-event types in what proportions, how many
die, the sentences of the narratives, and the usual actors of each country. Numbers only; the
generator (generator.py) and the cast (cast.py) draw from them."""

from dataclasses import dataclass

from incidents.models import GeoPrecision, TimePrecision
from incidents.taxonomy import EventType, SubEventType

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


def year_weight(year: int) -> float:
    return YEAR_WEIGHTS.get(min(max(year, 2012), 2025), 0.35)


def country_shares(year: int) -> tuple[float, float, float]:
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


def remote_violence_weights(year: int) -> tuple:
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
REBELS_BY_PRIORITY = ("fla", "csp-dpa", "csp-psd", "mnla", "cma", "hcua")
FRENCH_BY_PRIORITY = ("operation-serval", "operation-barkhane", "french-forces")
