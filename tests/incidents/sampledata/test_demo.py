"""The demo set lands where the reporting places it, keeps its uncertainty, loads idempotently."""

import os
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
        origin=Origin.DEMO, external_id=key
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
            "needs the real reference files: set REFERENCE_DATA_DIR to a folder like ../shared/data"
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
    assert strike.geo_precision == 3  # Inadiatafane is not in the gazetteer: admin-area level
    assert (strike.fatalities_low, strike.fatalities_best, strike.fatalities_high) == (8, 8, None)
    harm = strike.civilian_harm
    assert (harm.killed_children, harm.killed_total, harm.killed_max, harm.grade) == (
        6,
        8,
        None,
        "fair",
    )
    assert harm.victims.count() == 2 and not harm.victims.exclude(name="").exists()

    ambush = demo(RN15)
    assert ambush.time_precision == 3 and ambush.date_start < ambush.date_end
    assert ambush.geo_precision == 2
    assert (ambush.fatalities_low, ambush.fatalities_best, ambush.fatalities_high) == (
        None,
        7,
        None,
    )
    roles = {(p.actor.slug, p.role, p.claimed_responsibility) for p in ambush.participants.all()}
    assert roles == {
        ("jnim", "side_a", True),
        ("fama", "side_b", False),
        ("wagner", "assoc_b", False),
    }
    claims = Claim.objects.filter(incident=ambush)
    assert claims.count() == 2 and claims.filter(claims_responsibility=True).count() == 1


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
    assert snapshot() == before


def test_load_demo_command_says_what_it_did(reference_data, capsys):
    call_command("load_demo")
    assert "2 created" in capsys.readouterr().out
    call_command("load_demo")
    assert "2 unchanged" in capsys.readouterr().out
