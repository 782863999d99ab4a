"""The benchmark's labelled sets (bench/labels/, read by bench/ingest_accuracy.py) are well formed:
enough of them, every field there, truths inside the three countries, actor slugs from the
catalogue, no duplicates. Cheap: no database, no gazetteer (a truth naming a GeoNames id is
checked against the dumps by the benchmark itself)."""

import json
from pathlib import Path

import pytest

LABELS = Path(__file__).resolve().parents[3] / "bench" / "labels"
CATALOGUE = Path(__file__).resolve().parents[3] / "actors" / "reference" / "actors.json"
# Mali, Burkina Faso and Niger together (lon, lat).
WEST, EAST, SOUTH, NORTH = -12.3, 16.0, 9.4, 25.0
PLACE_CLASSES = {
    "locality",
    "near",
    "distance",
    "between",
    "admin1",
    "admin2",
    "admin3",
    "fallback",
}
BEARINGS = {"N", "NE", "E", "SE", "S", "SW", "W", "NW"}


def read(name: str) -> list[dict]:
    lines = (LABELS / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def assert_truth(truth: dict) -> None:
    kinds = {"geonameid", "between_geonameids", "lat"} & set(truth)
    assert len(kinds) == 1, truth
    if "geonameid" in truth:
        assert isinstance(truth["geonameid"], int) and truth["geonameid"] > 0
    elif "between_geonameids" in truth:
        ids = truth["between_geonameids"]
        assert len(ids) == 2 and all(isinstance(i, int) and i > 0 for i in ids)
    else:
        # Coordinates only for a place GeoNames lacks, with a note saying where they come from.
        assert WEST <= truth["lon"] <= EAST and SOUTH <= truth["lat"] <= NORTH, truth
        assert truth["note"].strip()


@pytest.fixture(scope="module")
def places():
    return read("places.jsonl")


@pytest.fixture(scope="module")
def reports():
    return read("reports.jsonl")


def test_there_are_at_least_300_place_mentions_of_every_kind(places):
    assert len(places) >= 300
    tags = {tag for label in places for tag in label["tags"]}
    for wanted in ("variant", "homonym", "well_or_wadi", "absent", "between", "distance", "near"):
        assert wanted in tags
    assert {label["class"] for label in places} <= PLACE_CLASSES
    # The headline figure (named localities within 10 km) rests on enough of them.
    assert sum(label["class"] == "locality" for label in places) >= 200


def test_every_place_mention_is_complete_and_unique(places):
    ids = [label["id"] for label in places]
    assert len(ids) == len(set(ids))
    seen = set()
    for label in places:
        assert label["mention"].strip(), label["id"]
        assert isinstance(label["context"], list)
        assert_truth(label["truth"])
        if label["class"] == "between":
            assert "between_geonameids" in label["truth"], label["id"]
        else:
            assert label["tolerance_km"] > 0, label["id"]
        if "offset" in label:
            assert label["offset"]["bearing"] in BEARINGS and label["offset"]["km"] > 0
        if label["class"] == "fallback":
            assert label["expect_unsure"] is True and "lat" in label["truth"], label["id"]
        key = (label["mention"], tuple(label["context"]))
        assert key not in seen, f"{label['id']} repeats {key}"
        seen.add(key)


def test_there_are_at_least_40_reports_in_english_and_french(reports):
    assert len(reports) >= 40
    languages = [r["language"] for r in reports]
    assert languages.count("en") >= 15 and languages.count("fr") >= 15
    assert sum(len(r["incidents"]) > 1 for r in reports) >= 3


def test_every_report_is_complete_and_unique_with_catalogue_actors(reports):
    slugs = {actor["slug"] for actor in json.loads(CATALOGUE.read_text())["actors"]}
    ids = [r["id"] for r in reports]
    assert len(ids) == len(set(ids))
    texts = [" ".join(r["text"].split()) for r in reports]
    assert len(texts) == len(set(texts))
    for report in reports:
        assert len(report["text"]) > 100 and report["published"][:2] == "20", report["id"]
        assert report["incidents"], report["id"]
        for incident in report["incidents"]:
            assert_truth(incident["truth"])
            assert incident["tolerance_km"] > 0
            low, high = incident["toll"]
            assert 0 <= low <= high, report["id"]
            assert set(incident["actors"]) <= slugs, report["id"]
            assert len(incident["actors"]) == len(set(incident["actors"]))
