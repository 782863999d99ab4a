"""The demo set lands where the reporting places it, keeps its uncertainty, loads idempotently."""

import os
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from incidents.models import Claim, Incident, Origin, Status
from incidents.sampledata.demo import demo_load

pytestmark = pytest.mark.django_db

INADIATAFANE = "demo:inadiatafane-drone-strike-2024-10-21"
RN15 = "demo:rn15-sevare-bandiagara-ambush-2024"


def demo(key):
    return Incident.objects.select_related("admin1", "admin2").get(
        origin=Origin.DEMO, origin_key=key
    )


def test_demo_lands_in_the_right_regions_with_the_builtin_boundaries(reference_data):
    demo_load()
    assert demo(INADIATAFANE).admin1.code == "ML-6"  # Timbuktu
    assert demo(RN15).admin1.code == "ML-5"  # Mopti
    assert {demo(INADIATAFANE).country_code, demo(RN15).country_code} == {"ML"}


@pytest.mark.reference_data
def test_demo_lands_in_the_right_regions_and_cercles_with_published_boundaries(db):
    base = Path(os.environ.get("REFERENCE_DATA_DIR", "")) / "boundaries" / "wof"
    if not os.environ.get("REFERENCE_DATA_DIR") or not base.is_dir():
        pytest.skip(
            "needs the real reference files: set REFERENCE_DATA_DIR to a folder holding geonames/ "
            "and boundaries/wof/ (see the README)"
        )
    from actors.services import actor_catalogue_load, read_catalogue
    from incidents.geo.boundaries import boundaries_load, read_boundaries

    actor_catalogue_load(read_catalogue())
    boundaries_load(read_boundaries(base))
    demo_load()
    inadiatafane, rn15 = demo(INADIATAFANE), demo(RN15)
    assert (inadiatafane.admin1.name_fr, inadiatafane.admin2.name_en) == (
        "Tombouctou",
        "Gourma-Rharous",
    )
    assert rn15.admin1.name_en == "Mopti"
    assert rn15.admin2.name_en in {"Bandiagara", "Mopti"}


def test_uncertainty_is_recorded_as_uncertainty(reference_data):
    demo_load()
    strike = demo(INADIATAFANE)
    assert strike.status == Status.PUBLISHED
    assert (strike.event_type, strike.sub_event_type) == (
        "explosions_remote_violence",
        "air_drone_strike",
    )
    # Inadiatafane is not in the gazetteer: coded to its cercle, in both conventions.
    assert (strike.geo_precision, strike.ucdp_where_prec) == (3, 3)
    assert (strike.time_precision, strike.ucdp_date_prec) == (1, 1)
    assert strike.estimate("fatalities") == (8, 8, None)
    assert strike.estimate("killed_civilians") == (8, 8, None)
    assert strike.estimate("killed_side_a") == (None, None, None)

    ambush = demo(RN15)
    assert (ambush.date_start, ambush.date_end) == (date(2024, 7, 28), date(2024, 11, 30))
    assert (ambush.time_precision, ambush.ucdp_date_prec) == (3, 5)
    assert (ambush.geo_precision, ambush.ucdp_where_prec) == (2, 5)
    # "About seven killed, at least one of them a Wagner member, the toll possibly higher":
    # at least one dead in all, about seven, no upper bound.
    assert ambush.estimate("fatalities") == (1, 7, None)
    assert ambush.estimate("killed_side_a") == (1, 7, None)
    roles = {
        (p.actor.slug, p.acled_position, p.ucdp_side, p.initiator, p.claimed_responsibility)
        for p in ambush.participants.all()
    }
    assert roles == {
        ("jnim", "actor1", "B", True, True),
        ("fama", "actor2", "A", False, False),
        ("wagner", "assoc_actor_2", "A", False, False),
    }
    claims = Claim.objects.filter(incident=ambush).select_related("source")
    video = claims.get(claims_responsibility=True)
    assert video.source.kind == "claim_video"
    assert claims.count() == 2


def test_inadiatafane_harm_is_coded_as_the_brief_tells_it(reference_data):
    demo_load()
    strike = demo(INADIATAFANE)
    assessment = strike.harm_assessments.get(assessor="Sahel Incident Monitor team")
    killed = (
        assessment.killed_children,
        assessment.killed_women,
        assessment.killed_men,
        assessment.killed_unknown,
    )
    assert killed == (6, 1, 1, 0)
    died_later = [
        assessment.died_later_children,
        assessment.died_later_women,
        assessment.died_later_men,
    ]
    assert died_later == [3, 1, 0] and assessment.total("died_later") == 4
    assert assessment.objects_hit == ["market", "vehicle"]
    assert (assessment.means, assessment.strikes, assessment.grade) == (["drone_strike"], 3, "fair")
    assert assessment.abducted_children is None and assessment.total("displaced") is None
    victims = list(assessment.victims.order_by("id"))
    assert [(v.age_years, v.age_months, v.sex, v.status) for v in victims] == [
        (None, 6, "male", "died_later"),
        (9, None, "female", "died_later"),
        (1, None, "unknown", "died_later"),
        (None, None, "female", "died_later"),
        (50, None, "male", "killed"),
        (None, None, "male", "injured"),
        (None, None, "male", "injured"),
    ]
    assert victims[4].age_approximate and victims[1].death_or_treatment_date_end == date(
        2024, 10, 22
    )
    assert not assessment.victims.exclude(name="").exists(), "no names in the demo"
    # The first, lower toll is kept as its own claim and assessment, not overwritten.
    first = strike.claims.get(source__publisher="RFI")
    assert first.estimate("fatalities") == (None, 5, None)
    earlier = strike.harm_assessments.get(grade="not_assessed")
    assert (earlier.killed_children, earlier.killed_unknown, earlier.killed_women) == (4, 1, None)
    witness = strike.claims.get(source__kind="eyewitness")
    assert "five motorbikes" in witness.quote and witness.estimate("fatalities") == (
        None,
        None,
        None,
    )
    languages = set(strike.claims.values_list("source__language", flat=True))
    assert languages == {"eng", "fra", ""}


def test_loading_the_demo_twice_changes_nothing(reference_data):
    first = demo_load()
    assert first.created == 2

    def snapshot():
        return list(Incident.objects.values_list("id", "updated_at", "title").order_by("id")), list(
            Claim.objects.values_list("id", "updated_at").order_by("id")
        )

    before = snapshot()
    second = demo_load()
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert not second.changed
    assert snapshot() == before


def test_load_demo_command_says_what_it_did(reference_data, capsys):
    call_command("load_demo")
    assert "2 created" in capsys.readouterr().out
    call_command("load_demo")
    assert "2 unchanged" in capsys.readouterr().out
