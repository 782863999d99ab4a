"""The ACLED-compatible event taxonomy: 6 event types, 25 sub-event types, and the groupings
(political violence, organised political violence, disorder, demonstrations) analysts filter by.

The pairing of sub-event type to event type is also a database constraint on Incident, generated
from `SUB_EVENT_TYPES` below.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    BATTLES = "battles", _("Battles")
    EXPLOSIONS_REMOTE_VIOLENCE = "explosions_remote_violence", _("Explosions/Remote violence")
    VIOLENCE_AGAINST_CIVILIANS = "violence_against_civilians", _("Violence against civilians")
    PROTESTS = "protests", _("Protests")
    RIOTS = "riots", _("Riots")
    STRATEGIC_DEVELOPMENTS = "strategic_developments", _("Strategic developments")


# A colour per event type, the same wherever incidents are drawn: the map's (COLOURS in
# static/incidents/mapstyle.js, checked equal by tests/incidents/test_overview.py) and the
# overview's charts.
EVENT_TYPE_COLOURS = {
    EventType.BATTLES: "#c0392b",
    EventType.EXPLOSIONS_REMOTE_VIOLENCE: "#8e44ad",
    EventType.VIOLENCE_AGAINST_CIVILIANS: "#d35400",
    EventType.PROTESTS: "#2980b9",
    EventType.RIOTS: "#16a085",
    EventType.STRATEGIC_DEVELOPMENTS: "#7f8c8d",
}


class SubEventType(models.TextChoices):
    ARMED_CLASH = "armed_clash", _("Armed clash")
    GOVERNMENT_REGAINS_TERRITORY = "government_regains_territory", _("Government regains territory")
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = (
        "non_state_actor_overtakes_territory",
        _("Non-state actor overtakes territory"),
    )
    CHEMICAL_WEAPON = "chemical_weapon", _("Chemical weapon")
    AIR_DRONE_STRIKE = "air_drone_strike", _("Air/drone strike")
    SUICIDE_BOMB = "suicide_bomb", _("Suicide bomb")
    SHELLING_ARTILLERY_MISSILE = (
        "shelling_artillery_missile",
        _("Shelling/artillery/missile attack"),
    )
    REMOTE_EXPLOSIVE_LANDMINE_IED = (
        "remote_explosive_landmine_ied",
        _("Remote explosive/landmine/IED"),
    )
    GRENADE = "grenade", _("Grenade")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    ATTACK = "attack", _("Attack")
    ABDUCTION_FORCED_DISAPPEARANCE = (
        "abduction_forced_disappearance",
        _("Abduction/forced disappearance"),
    )
    PEACEFUL_PROTEST = "peaceful_protest", _("Peaceful protest")
    PROTEST_WITH_INTERVENTION = "protest_with_intervention", _("Protest with intervention")
    EXCESSIVE_FORCE_AGAINST_PROTESTERS = (
        "excessive_force_against_protesters",
        _("Excessive force against protesters"),
    )
    VIOLENT_DEMONSTRATION = "violent_demonstration", _("Violent demonstration")
    MOB_VIOLENCE = "mob_violence", _("Mob violence")
    AGREEMENT = "agreement", _("Agreement")
    ARRESTS = "arrests", _("Arrests")
    CHANGE_TO_GROUP_ACTIVITY = "change_to_group_activity", _("Change to group/activity")
    DISRUPTED_WEAPONS_USE = "disrupted_weapons_use", _("Disrupted weapons use")
    HEADQUARTERS_OR_BASE_ESTABLISHED = (
        "headquarters_or_base_established",
        _("Headquarters or base established"),
    )
    LOOTING_PROPERTY_DESTRUCTION = "looting_property_destruction", _("Looting/property destruction")
    NON_VIOLENT_TRANSFER_OF_TERRITORY = (
        "non_violent_transfer_of_territory",
        _("Non-violent transfer of territory"),
    )
    OTHER = "other", _("Other")


@dataclass(frozen=True)
class SubEventGrouping:
    """ACLED's flags: political violence, organised political violence, disorder, demonstrations."""

    event_type: EventType
    political_violence: bool
    organised_political_violence: bool
    disorder: bool
    demonstrations: bool


def _g(event_type, pv, opv, dis, dem):
    return SubEventGrouping(event_type, bool(pv), bool(opv), bool(dis), bool(dem))


E, S = EventType, SubEventType
SUB_EVENT_TYPES: dict[SubEventType, SubEventGrouping] = {
    S.ARMED_CLASH: _g(E.BATTLES, 1, 1, 1, 0),
    S.GOVERNMENT_REGAINS_TERRITORY: _g(E.BATTLES, 1, 1, 1, 0),
    S.NON_STATE_ACTOR_OVERTAKES_TERRITORY: _g(E.BATTLES, 1, 1, 1, 0),
    S.CHEMICAL_WEAPON: _g(E.EXPLOSIONS_REMOTE_VIOLENCE, 1, 1, 1, 0),
    S.AIR_DRONE_STRIKE: _g(E.EXPLOSIONS_REMOTE_VIOLENCE, 1, 1, 1, 0),
    S.SUICIDE_BOMB: _g(E.EXPLOSIONS_REMOTE_VIOLENCE, 1, 1, 1, 0),
    S.SHELLING_ARTILLERY_MISSILE: _g(E.EXPLOSIONS_REMOTE_VIOLENCE, 1, 1, 1, 0),
    S.REMOTE_EXPLOSIVE_LANDMINE_IED: _g(E.EXPLOSIONS_REMOTE_VIOLENCE, 1, 1, 1, 0),
    S.GRENADE: _g(E.EXPLOSIONS_REMOTE_VIOLENCE, 1, 1, 1, 0),
    S.SEXUAL_VIOLENCE: _g(E.VIOLENCE_AGAINST_CIVILIANS, 1, 1, 1, 0),
    S.ATTACK: _g(E.VIOLENCE_AGAINST_CIVILIANS, 1, 1, 1, 0),
    S.ABDUCTION_FORCED_DISAPPEARANCE: _g(E.VIOLENCE_AGAINST_CIVILIANS, 1, 1, 1, 0),
    S.PEACEFUL_PROTEST: _g(E.PROTESTS, 0, 0, 1, 1),
    S.PROTEST_WITH_INTERVENTION: _g(E.PROTESTS, 0, 0, 1, 1),
    S.EXCESSIVE_FORCE_AGAINST_PROTESTERS: _g(E.PROTESTS, 1, 0, 1, 1),
    S.VIOLENT_DEMONSTRATION: _g(E.RIOTS, 0, 0, 1, 1),
    S.MOB_VIOLENCE: _g(E.RIOTS, 1, 0, 1, 0),
    S.AGREEMENT: _g(E.STRATEGIC_DEVELOPMENTS, 0, 0, 0, 0),
    S.ARRESTS: _g(E.STRATEGIC_DEVELOPMENTS, 0, 0, 0, 0),
    S.CHANGE_TO_GROUP_ACTIVITY: _g(E.STRATEGIC_DEVELOPMENTS, 0, 0, 0, 0),
    S.DISRUPTED_WEAPONS_USE: _g(E.STRATEGIC_DEVELOPMENTS, 0, 0, 0, 0),
    S.HEADQUARTERS_OR_BASE_ESTABLISHED: _g(E.STRATEGIC_DEVELOPMENTS, 0, 0, 0, 0),
    S.LOOTING_PROPERTY_DESTRUCTION: _g(E.STRATEGIC_DEVELOPMENTS, 0, 0, 0, 0),
    S.NON_VIOLENT_TRANSFER_OF_TERRITORY: _g(E.STRATEGIC_DEVELOPMENTS, 0, 0, 0, 0),
    S.OTHER: _g(E.STRATEGIC_DEVELOPMENTS, 0, 0, 0, 0),
}
del E, S


def sub_event_types_of(event_type: str) -> list[str]:
    """The sub-event type codes that belong to `event_type`, in codebook order."""
    return [str(s) for s, g in SUB_EVENT_TYPES.items() if g.event_type == event_type]


def event_type_of(sub_event_type: str) -> EventType:
    return SUB_EVENT_TYPES[SubEventType(sub_event_type)].event_type


def disorder_type(sub_event_type: str) -> str:
    """ACLED's `disorder_type` for a sub-event type."""
    g = SUB_EVENT_TYPES[SubEventType(sub_event_type)]
    if g.demonstrations and g.political_violence:
        return "Political violence; Demonstrations"
    if g.demonstrations:
        return "Demonstrations"
    if g.political_violence:
        return "Political violence"
    return "Strategic developments"
