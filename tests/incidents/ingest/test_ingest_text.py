"""manage.py ingest_text: one pasted report through the whole pipeline, printed as JSON; the same
text again creates nothing and prints the same incidents."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from incidents.ingest.models import RawReport
from incidents.models import Claim, Incident, IncidentActor, Source
from tests.conftest import require_module

BRIEF = (
    "Sahel security brief, November 2024.\n\n"
    "JNIM claimed an ambush on a convoy of the Malian armed forces (FAMa) with Wagner personnel "
    "on the RN15 between Sévaré and Bandiagara in the Mopti region. About seven soldiers were "
    "killed, according to the group's video.\n\n"
    "JNIM, the al-Qaeda affiliate, and the Islamic State Sahel Province remain the main armed "
    "groups in central Mali; the army and its Russian allies of Africa Corps fight both.\n\n"
    "On Monday 21 October 2024, drone strikes hit the market of Inadiatafane in the "
    "Gourma-Rharous cercle, Timbuktu region. At least eight civilians were killed, six of them "
    "children, according to Amnesty International. About fifteen people were injured.\n"
)


@pytest.fixture
def extractor_libraries():
    require_module("ahocorasick", "pyahocorasick")
    require_module("text_to_num", "text2num")


def run(*args, stdin: str | None = None) -> dict:
    out = io.StringIO()
    if stdin is not None:
        import sys

        saved = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            call_command("ingest_text", *args, stdout=out)
        finally:
            sys.stdin = saved
    else:
        call_command("ingest_text", *args, stdout=out)
    return json.loads(out.getvalue())


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (RawReport, Incident, Source, Claim, IncidentActor)
    )


def test_a_brief_yields_its_two_incidents_with_places_actors_tolls_and_spans(
    reference_data, extractor_libraries, tmp_path
):
    path = tmp_path / "brief.txt"
    path.write_text(BRIEF, encoding="utf-8")

    output = run(str(path), "--date", "2024-11-12")

    events = output["events"]
    assert len(events) == 2, [e["span"]["text"] for e in events]  # the overview is no incident
    ambush, strike = events
    for event in events:
        assert event["incident"]["status"] == "draft"
        assert event["incident"]["outcome"] == "drafted"
        assert Incident.objects.get(pk=event["incident"]["id"]).origin == "ingested"
        # Every value carries the text it was read from.
        for item in event["places"] + event["actors"] + event["dates"] + event["casualties"]:
            assert item["span"]["text"] == BRIEF[item["span"]["start"] : item["span"]["end"]]

    road = ambush["places"][ambush["chosen_place"]]
    assert "Sévaré" in road["expression"] and "Bandiagara" in road["expression"]
    geocoded = road["geocoded"]
    assert (geocoded["geo_precision"], geocoded["ucdp_where_prec"]) == (2, 5)
    assert 14.2 < geocoded["lat"] < 14.6 and -4.2 < geocoded["lon"] < -3.4
    assert {a["slug"] for a in ambush["actors"]} >= {"jnim", "fama", "wagner"}
    assert ambush["event_type"] == "battles"
    [killed] = [c for c in ambush["casualties"] if c["kind"] == "killed"]
    assert (killed["best"], killed["category"]) == (7, "state_forces")

    assert strike["sub_event_type"] == "air_drone_strike"
    assert strike["dates"][0]["start"] == "2024-10-21" and strike["dates"][0]["time_precision"] == 1
    # Inadiatafane is not in the gazetteer: it falls back to the cercle, marked unsure.
    place = strike["places"][strike["chosen_place"]]["geocoded"]
    assert place["geo_precision"] == 3 and place["unsure"]
    figures = {(c["kind"], c["category"]): c for c in strike["casualties"]}
    assert figures[("killed", "civilians")]["low"] == 8
    assert any(c["kind"] == "injured" and c["best"] == 15 for c in strike["casualties"])
    claim = Claim.objects.get(incident_id=strike["incident"]["id"])
    assert claim.killed_civilians_low == 8 and claim.injured_best == 15


def test_running_it_again_creates_nothing_and_prints_the_same(
    reference_data, extractor_libraries, tmp_path
):
    path = tmp_path / "brief.txt"
    path.write_text(BRIEF, encoding="utf-8")
    first = run(str(path), "--date", "2024-11-12")
    before = counts()

    again = run("-", "--date", "2024-11-12", stdin=BRIEF)

    assert again == first
    assert counts() == before


def test_bad_input_is_refused_clearly(db, tmp_path):
    with pytest.raises(CommandError, match="empty"):
        run("-", stdin="   \n")
    with pytest.raises(CommandError, match="not a date"):
        run("-", "--date", "12/11/2024", stdin="Attack in Boni.")
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.txt"))
    assert counts() == (0, 0, 0, 0, 0)
