"""Who takes part in a synthetic incident: among the actors active in the country on the dates
(actors.selectors.actor_activity), the usual perpetrators and targets of each event type there:
jihadists against the army and its auxiliaries, JNIM against the Islamic State, militias, rebels
in the north of Mali, air strikes by the army or French forces, protesters and rioters."""

import random
from dataclasses import dataclass
from datetime import date

from actors.selectors import ActorActivity
from incidents.sampledata.synthetic.profile import (
    AQ_BRANCH_BEFORE_JNIM,
    CIVILIANS,
    FRENCH_BY_PRIORITY,
    REBELS_BY_PRIORITY,
    STATE_FORCES,
    UNIDENTIFIED,
)
from incidents.sampledata.synthetic.world import Place, Sampler, World
from incidents.taxonomy import EventType, SubEventType


class Role:
    """Who did what in the cast's terms; generator.py codes them as ACLED positions and UCDP
    sides (the government on side A in state-based violence)."""

    SIDE_A = "side_a"  # the one who acts: attacker, perpetrator, protesters
    SIDE_B = "side_b"  # the one acted upon
    ASSOCIATED_A = "assoc_a"
    ASSOCIATED_B = "assoc_b"


@dataclass
class Participant:
    actor: ActorActivity
    role: str
    claimed: bool = False
    note: str = ""


@dataclass
class Scene:
    """Where and when an incident happens, and the usual actors there and then."""

    place: Place
    first: date
    last: date
    state: ActorActivity | None
    civilians: ActorActivity | None
    unidentified: ActorActivity | None
    jihadist: ActorActivity | None


class Cast:
    """Chooses the participants of incidents from one random stream."""

    def __init__(self, world: World, rng: random.Random):
        self.world, self.rng = world, rng

    def _actor(self, slug: str, country: str, first: date, last: date) -> ActorActivity | None:
        actor = self.world.actors.get(slug)
        return actor if actor is not None and actor.active(country, first, last) else None

    def _jihadist(
        self, country: str, place: Place, first: date, last: date
    ) -> ActorActivity | None:
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
            return Sampler([a for a, _ in candidates], [w for _, w in candidates]).pick(rng)
        for slug in ("issp", "isgs"):
            actor = self._actor(slug, country, first, last)
            if actor:
                return actor
        return None

    def _state_associates(
        self, country: str, first: date, last: date, role: str
    ) -> list[Participant]:
        """Foreign forces and auxiliaries fighting alongside the national army."""
        rng, found = self.rng, []
        for slug, share in (("wagner", 0.5), ("africa-corps", 0.4), ("vdp", 0.3)):
            actor = self._actor(slug, country, first, last)
            if actor and rng.random() < share:
                found.append(Participant(actor, role))
        if rng.random() < 0.15:
            for slug in FRENCH_BY_PRIORITY:
                actor = self._actor(slug, country, first, last)
                if actor:
                    found.append(Participant(actor, role))
                    break
        return found

    def participants(
        self, event_type: str, sub_event: str, place: Place, first: date, last: date
    ) -> list[Participant]:
        """Who took part, by role, among the actors active in the country on those dates."""
        country, a = place.country, self._actor
        scene = Scene(
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
                side_a.append(Participant(macina, Role.ASSOCIATED_A))
        seen, unique = set(), []
        for p in side_a + side_b:
            if (p.actor.actor_id, p.role) not in seen:
                seen.add((p.actor.actor_id, p.role))
                unique.append(p)
        return unique

    def _associates(self, s: Scene, role: str) -> list[Participant]:
        return self._state_associates(s.place.country, s.first, s.last, role)

    def _battle(self, s: Scene, event_type: str, sub_event: str) -> tuple[list, list, float]:
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
        army = [Participant(state, Role.SIDE_B)] if state else []
        if u < 0.08 and rebel and s.place.lat > 15.0:
            return (
                [Participant(rebel, Role.SIDE_A)],
                army + self._associates(s, Role.ASSOCIATED_B),
                0.0,
            )
        if (
            u < 0.20
            and jihadist
            and jihadist.slug == "jnim"
            and (rival := a("issp", country, first, last) or a("isgs", country, first, last))
        ):
            return (
                [Participant(jihadist, Role.SIDE_A)],
                [Participant(rival, Role.SIDE_B)],
                0.2,
            )
        if u < 0.30 and jihadist and militia:
            return (
                [Participant(jihadist, Role.SIDE_A)],
                [Participant(militia, Role.SIDE_B)],
                0.2,
            )
        if not (jihadist or s.unidentified):
            return [], [], 0.0
        armed = jihadist if jihadist and rng.random() < 0.9 else s.unidentified or jihadist
        if rng.random() < 0.7:  # an attack by the armed group
            return (
                [Participant(armed, Role.SIDE_A)],
                army + self._associates(s, Role.ASSOCIATED_B),
                0.2,
            )
        # an army operation
        side_a = [Participant(p.actor, Role.SIDE_A) for p in army]
        side_a += self._associates(s, Role.ASSOCIATED_A)
        return side_a, [Participant(armed, Role.SIDE_B)], 0.2

    def _violence_against_civilians(
        self, s: Scene, event_type: str, sub_event: str
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
            side_a = [Participant(perpetrator, Role.SIDE_A)]
            if perpetrator is s.state:
                side_a += self._associates(s, Role.ASSOCIATED_A)
        side_b = [Participant(s.civilians, Role.SIDE_B)] if s.civilians else []
        return side_a, side_b, 0.05

    def _remote_violence(
        self, s: Scene, event_type: str, sub_event: str
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
                [Participant(striker, Role.SIDE_A)] if striker else [],
                [Participant(target, Role.SIDE_B)] if target else [],
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
            [Participant(bomber, Role.SIDE_A)] if bomber else [],
            [Participant(target, Role.SIDE_B)] if target else [],
            0.2,
        )

    def _strategic_development(
        self, s: Scene, event_type: str, sub_event: str
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
                side_b = [Participant(s.civilians, Role.SIDE_B)]
        else:
            actor = s.jihadist if self.rng.random() < 0.8 else s.state
            if (
                sub_event in (SubEventType.LOOTING_PROPERTY_DESTRUCTION, SubEventType.AGREEMENT)
                and s.civilians
            ):
                side_b = [Participant(s.civilians, Role.SIDE_B)]
        return ([Participant(actor, Role.SIDE_A)] if actor else []), side_b, 0.0

    def _demonstration(self, s: Scene, event_type: str, sub_event: str) -> tuple[list, list, float]:
        """Protests and riots. The catalogue has no protesters or rioters actor: the country's
        civilians stand in, with a note."""
        note = "protesters" if event_type == EventType.PROTESTS else "rioters"
        side_a = [Participant(s.civilians, Role.SIDE_A, note=note)] if s.civilians else []
        side_b = []
        if (
            sub_event
            in (
                SubEventType.PROTEST_WITH_INTERVENTION,
                SubEventType.EXCESSIVE_FORCE_AGAINST_PROTESTERS,
            )
            and s.state
        ):
            side_b = [Participant(s.state, Role.SIDE_B)]
        elif sub_event == SubEventType.MOB_VIOLENCE and s.civilians:
            side_b = [Participant(s.civilians, Role.SIDE_B)]
        return side_a, side_b, 0.0
