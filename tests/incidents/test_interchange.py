"""A full ACLED row and a full UCDP GED row, in their real column layouts (the values are our
own examples), imported onto the model and exported again unchanged, field by field; imported
again from a newer release, they update the same incident."""

import copy
from datetime import date

import pytest

from actors.models import Actor
from incidents.interchange import acled, ucdp
from incidents.interchange.common import InterchangeError
from incidents.models import (
    AcledEvent,
    Claim,
    Incident,
    IncidentActor,
    Origin,
    Status,
    UcdpEvent,
)
from tests.examples import ACLED_ROW, UCDP_ROW

pytestmark = pytest.mark.django_db


def exported(incident: Incident, export) -> dict:
    fresh = Incident.objects.prefetch_related(
        "participants__actor", "claims__source", "acled_events", "ucdp_events"
    ).get(pk=incident.pk)
    return export(fresh)


def assert_same_row(got: dict, want: dict, columns) -> None:
    assert list(got) == list(columns), "the columns, in the dataset's order"
    different = {c: (got[c], want[c]) for c in columns if got[c] != want[c]}
    assert different == {}


def test_a_full_acled_row_is_stored_and_read_back_unchanged(reference_data):
    incident = acled.acled_row_import(ACLED_ROW, version="2025-01-10")

    assert incident.origin == Origin.IMPORT_ACLED and incident.status == Status.DRAFT
    assert (incident.date_start, incident.date_end) == (date(2024, 10, 21),) * 2
    record = AcledEvent.objects.get(incident=incident)
    assert (record.event_id_cnty, record.dataset_version, record.admin3) == (
        "MLI33190",
        "2025-01-10",
        "Inadiatafane",
    )
    positions = {
        (p.acled_position, p.name_as_coded, p.sequence) for p in incident.participants.all()
    }
    assert positions == {
        ("actor1", "Military Forces of Mali (2021-)", 0),
        ("actor2", "Civilians (Mali)", 0),
        ("assoc_actor_2", "Labor Group (Mali)", 0),
        ("assoc_actor_2", "Women (Mali)", 1),
    }
    # Names known to the registry resolve to its actors; the others are new, for review.
    assert incident.participants.get(acled_position="actor2").actor.slug == "civilians-mali"
    assert "to review" in Actor.objects.get(name="Labor Group (Mali)").description
    claim = Claim.objects.get(incident=incident, source__publisher="ACLED")
    assert claim.estimate("fatalities") == (8, 8, None)
    incident.refresh_from_db()
    assert incident.estimate("fatalities") == (8, 8, None), "derived from ACLED's claim"

    assert_same_row(exported(incident, acled.acled_row), ACLED_ROW, acled.COLUMNS)


def test_acled_rows_with_text_actor_types_come_back_as_text(reference_data):
    row = {
        **ACLED_ROW,
        "inter1": "State forces",
        "inter2": "Civilians",
        "interaction": "State forces-Civilians",
    }
    incident = acled.acled_row_import(row)
    assert incident.participants.get(acled_position="actor1").acled_inter == 1
    got = exported(incident, lambda i: acled.acled_row(i, inter_num=False))
    assert_same_row(got, row, acled.COLUMNS)


@pytest.mark.parametrize(("precision", "start", "end"), [(2, 18, 24), (3, 1, 31)])
def test_acled_week_and_month_precision_become_ranges_and_export_the_coded_date(
    reference_data, precision, start, end
):
    row = {**ACLED_ROW, "time_precision": precision}
    incident = acled.acled_row_import(row)
    assert (incident.date_start.day, incident.date_end.day) == (start, end)
    assert incident.time_precision == precision
    assert exported(incident, acled.acled_row)["event_date"] == "2024-10-21"


def test_reimporting_a_newer_acled_release_updates_the_same_incident(reference_data):
    first = acled.acled_row_import(ACLED_ROW, version="2025-01-10")
    newer = {**ACLED_ROW, "fatalities": 9, "timestamp": 1740000000, "assoc_actor_2": ""}
    second = acled.acled_row_import(newer, version="2025-03-14")
    assert second.pk == first.pk and Incident.objects.count() == 1
    assert AcledEvent.objects.get().dataset_version == "2025-03-14"
    assert IncidentActor.objects.filter(incident=first).count() == 2
    assert_same_row(exported(second, acled.acled_row), newer, acled.COLUMNS)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("event_date", "21/10/2024", "event_date: '21/10/2024' is not a date"),
        ("sub_event_type", "Drone attack", "sub_event_type: 'Drone attack' is not one"),
        ("inter1", "Pirates", "'Pirates' is not an ACLED actor type"),
        ("country", "Atlantis", "not covered"),
        ("latitude", "north", "latitude: 'north' is not a number"),
        ("time_precision", "1", None),
    ],
)
def test_a_bad_acled_row_is_refused_by_column_and_writes_nothing(
    reference_data, column, value, message
):
    row = copy.deepcopy(ACLED_ROW)
    row[column] = value
    if message is None:
        acled.acled_row_import(row)  # a numeric string is a number
        return
    with pytest.raises(InterchangeError, match=message):
        acled.acled_row_import(row)
    assert not Incident.objects.exists() and not AcledEvent.objects.exists()


def test_a_row_the_database_refuses_is_named_with_the_models_message(reference_data):
    # Written first with the constraints left to the database, then again with Django's
    # validation: the message is the model's, and nothing of the row is kept.
    row = copy.deepcopy(ACLED_ROW)
    row["latitude"] = "95.5"  # a number, but no latitude: a rule of the model alone
    with pytest.raises(InterchangeError, match=r"MLI33190: .*latitude") as refused:
        acled.acled_row_import(row)
    assert "violates check constraint" not in str(refused.value)
    assert not Incident.objects.exists() and not AcledEvent.objects.exists()
    assert not Claim.objects.exists()


def test_an_actor_named_twice_in_one_column_takes_part_once(reference_data):
    row = copy.deepcopy(ACLED_ROW)
    row["assoc_actor_1"] = "Dan Na Ambassagou; Dan Na Ambassagou"
    incident = acled.acled_row_import(row)
    associates = incident.participants.filter(acled_position="assoc_actor_1")
    assert [p.name_as_coded for p in associates] == ["Dan Na Ambassagou"]


def test_a_full_ucdp_ged_row_is_stored_and_read_back_unchanged(reference_data):
    incident = ucdp.ucdp_row_import(UCDP_ROW, version="25.1")

    incident.refresh_from_db()
    assert incident.origin == Origin.IMPORT_UCDP and incident.status == Status.DRAFT
    assert (incident.ucdp_date_prec, incident.time_precision) == (3, 2)
    assert (incident.ucdp_where_prec, incident.geo_precision) == (5, 3)
    assert (incident.ucdp_violence_type, incident.event_type, incident.sub_event_type) == (
        1,
        "battles",
        "",
    )
    sides = {(p.actor.slug, p.ucdp_side, p.acled_position) for p in incident.participants.all()}
    # JNIM, coded by UCDP as side B, is stored as such (no ACLED position is invented).
    assert sides == {("fama", "A", ""), ("jnim", "B", "")}
    assert incident.estimate("killed_side_a") == (None, 7, None)
    assert incident.estimate("fatalities") == (7, 7, 9)
    record = UcdpEvent.objects.get(incident=incident)
    assert (record.ged_id, record.relid, record.dataset_version) == (
        512345,
        "MLI-2024-1-1234-56",
        "25.1",
    )

    assert_same_row(exported(incident, ucdp.ucdp_row), UCDP_ROW, ucdp.COLUMNS)


def test_reimporting_a_newer_ucdp_release_updates_the_same_incident(reference_data):
    first = ucdp.ucdp_row_import(UCDP_ROW, version="25.1")
    newer = {**UCDP_ROW, "best": 8, "deaths_a": 8, "low": 8, "code_status": "Check"}
    second = ucdp.ucdp_row_import(newer, version="26.0.3")
    assert second.pk == first.pk and Incident.objects.count() == 1
    assert UcdpEvent.objects.get().dataset_version == "26.0.3"
    assert_same_row(exported(second, ucdp.ucdp_row), newer, ucdp.COLUMNS)


def test_a_ucdp_row_whose_precision_contradicts_its_dates_is_refused(reference_data):
    row = {**UCDP_ROW, "date_prec": 1}  # an exact date, with a seven-day range
    with pytest.raises(InterchangeError, match="does not match the date range"):
        ucdp.ucdp_row_import(row)
    assert not Incident.objects.exists()


def test_an_incident_of_our_own_exports_in_both_layouts(reference_data):
    from incidents.sampledata.demo import demo_load

    demo_load()
    strike = Incident.objects.get(origin_key="demo:inadiatafane-drone-strike-2024-10-21")
    row = exported(strike, acled.acled_row)
    names = dict(Actor.objects.values_list("slug", "name"))
    assert (row["actor1"], row["inter1"], row["actor2"], row["interaction"]) == (
        names["fama"],
        1,
        names["civilians-mali"],
        17,
    )
    assert (row["event_date"], row["time_precision"], row["geo_precision"]) == (
        "2024-10-21",
        1,
        3,
    )
    assert row["fatalities"] == 8 and row["civilian_targeting"] == "Civilian targeting"
    ged = exported(strike, ucdp.ucdp_row)
    assert (ged["type_of_violence"], ged["date_prec"], ged["where_prec"]) == (3, 1, 3)
    assert (ged["best"], ged["low"], ged["deaths_civilians"]) == (8, 8, 8)
    assert ged["side_a"] == Actor.objects.get(slug="fama").name
