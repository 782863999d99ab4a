"""Every write is kept in history and attributed: to the user of a request, or to the command;
every model the README lists keeps its inserts, updates and deletes, and `updated_at` is true
whichever way a row is written."""

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from actors.models import ActorAlias, ActorPresence, ActorRelation
from incidents.ingest.models import ExtractionFeedback, IngestSource, RawReport
from incidents.models import AcledEvent, Incident, Status, UcdpEvent, Victim
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    HarmAssessmentFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def events_of(incident):
    return list(incident.events.order_by("pgh_id").select_related("pgh_context"))


def test_each_change_is_a_history_event_with_the_previous_values_kept(users):
    incident = IncidentFactory(title="First version")
    Incident.objects.filter(pk=incident.pk).update(title="Second version")
    Incident.objects.filter(pk=incident.pk).update(title="Second version")  # no real change
    titles = [(e.pgh_label, e.title) for e in events_of(incident)]
    assert titles == [("insert", "First version"), ("update", "Second version")]


def test_a_change_made_in_the_admin_is_attributed_to_its_user(client, users):
    incident = IncidentFactory(title="Before", status=Status.DRAFT)
    client.force_login(users["editor"])
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in {"tags", "location"}
    }
    data.update(
        {
            "title": "After",
            "tags": "",
            "location": incident.location.geojson,
            "date_start": "2024-03-01",
            "date_end": "2024-03-01",
            "participants-TOTAL_FORMS": 0,
            "participants-INITIAL_FORMS": 0,
            "claims-TOTAL_FORMS": 0,
            "claims-INITIAL_FORMS": 0,
            "harm_assessments-TOTAL_FORMS": 0,
            "harm_assessments-INITIAL_FORMS": 0,
            "acled_events-TOTAL_FORMS": 0,
            "acled_events-INITIAL_FORMS": 0,
            "ucdp_events-TOTAL_FORMS": 0,
            "ucdp_events-INITIAL_FORMS": 0,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    last = events_of(incident)[-1]
    assert last.title == "After"
    assert last.pgh_context.metadata["user"] == users["editor"].pk
    incident.refresh_from_db()
    assert incident.updated_by == users["editor"]


def test_a_command_write_is_attributed_to_the_command(db):
    from django.core.management import call_command

    from actors.services import actor_catalogue_load, read_catalogue

    actor_catalogue_load(read_catalogue())
    call_command("load_demo")
    incident = Incident.objects.filter(origin="demo").first()
    assert events_of(incident)[0].pgh_context.metadata["command"] == "load_demo"


def test_a_management_command_write_is_attributed_to_the_command(db, tmp_path):
    import json

    from django.core.management import call_command

    from actors.models import Actor
    from actors.services import read_catalogue

    call_command("load_actors")
    # A new release of the catalogue with one thing to change.
    release = read_catalogue()
    next(a for a in release["actors"] if a["slug"] == "jnim")["description"] = "new release"
    path = tmp_path / "actors.json"
    path.write_text(json.dumps(release), encoding="utf-8")
    call_command("load_actors", str(path))
    last = Actor.objects.get(slug="jnim").events.order_by("pgh_id").last()
    assert last.pgh_label == "update" and last.description == "new release"
    assert last.pgh_context.metadata["command"] == "load_actors"


# --- Every model the README lists keeps its inserts, updates and deletes -----------------------


def _incident():
    return IncidentFactory()


MAKERS = {
    # model label: (make an instance, a field to change, its new value)
    "incidents.Incident": (_incident, "title", "Changed"),
    "incidents.IncidentActor": (lambda: IncidentActorFactory(), "note", "changed"),
    "incidents.Source": (lambda: SourceFactory(), "publisher", "Changed"),
    "incidents.Claim": (lambda: ClaimFactory(), "summary", "Changed"),
    "incidents.CivilianHarmReport": (lambda: HarmAssessmentFactory(), "assessment", "Changed"),
    "incidents.Victim": (
        lambda: Victim.objects.create(report=HarmAssessmentFactory(), status="killed"),
        "notes",
        "changed",
    ),
    "incidents.AcledEvent": (
        lambda: AcledEvent.objects.create(
            incident=IncidentFactory(), event_id_cnty="MLI1", event_date="2024-03-01"
        ),
        "tags",
        "changed",
    ),
    "incidents.UcdpEvent": (
        lambda: UcdpEvent.objects.create(incident=IncidentFactory(), ged_id=1),
        "dyad_name",
        "changed",
    ),
    "incidents.IngestSource": (
        lambda: IngestSource.objects.create(name="Pasted", kind="pasted"),
        "publisher",
        "Changed",
    ),
    "incidents.RawReport": (
        lambda: RawReport.objects.create(
            source=IngestSource.objects.create(name="Pasted", kind="pasted"),
            content=b"A report",
            content_sha256="0" * 64,
        ),
        "title",
        "Changed",
    ),
    "incidents.ExtractionFeedback": (
        lambda: ExtractionFeedback.objects.create(
            report=RawReport.objects.create(
                source=IngestSource.objects.create(name="Pasted", kind="pasted"),
                content=b"A report",
                content_sha256="0" * 64,
            ),
            event_index=0,
            decision="discarded",
            user=UserFactory(),
        ),
        "decision",
        "merged",
    ),
    "actors.Actor": (lambda: ActorFactory(), "description", "changed"),
    "actors.ActorAlias": (
        lambda: ActorAlias.objects.create(actor=ActorFactory(), name="An alias"),
        "language",
        "fra",
    ),
    "actors.ActorRelation": (
        lambda: ActorRelation.objects.create(
            source=ActorFactory(), target=ActorFactory(), type="member_of"
        ),
        "note",
        "changed",
    ),
    "actors.ActorPresence": (
        lambda: ActorPresence.objects.create(actor=ActorFactory(), country_code="ML"),
        "note",
        "changed",
    ),
}


def test_every_model_with_history_is_covered_here():
    tracked = {
        f"{m._meta.app_label}.{m.__name__}"
        for m in apps.get_models()
        if m._meta.app_label in {"incidents", "actors"} and hasattr(m, "events")
    }
    assert tracked == set(MAKERS)


@pytest.mark.parametrize("label", sorted(MAKERS))
def test_inserts_updates_and_deletes_are_kept_in_history(label):
    make, field, value = MAKERS[label]
    obj = make()
    pk = obj.pk
    type(obj).objects.filter(pk=pk).update(**{field: value})  # a bulk write, not save()
    with connection.cursor() as cursor:  # raw SQL, too
        table = type(obj)._meta.db_table
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    model = apps.get_model(label)
    event_model = model.events.rel.related_model
    events = list(event_model.objects.filter(pgh_obj_id=pk).order_by("pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update", "delete"]
    assert getattr(events[1], field) == value and getattr(events[2], field) == value


UPDATED_AT = [
    (label, maker)
    for label, maker in MAKERS.items()
    if any(f.name == "updated_at" for f in apps.get_model(label)._meta.fields)
]


@pytest.mark.parametrize(("label", "maker"), UPDATED_AT, ids=[label for label, _ in UPDATED_AT])
def test_updated_at_is_true_on_every_write_path(label, maker):
    make, field, value = maker
    obj = make()
    model, table = type(obj), type(obj)._meta.db_table

    def age():
        with connection.cursor() as cursor:
            # Set the date back with the triggers off (they would set it to now()); deferred
            # foreign-key checks must run first, or the table cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            cursor.execute(
                f"UPDATE {table} SET updated_at = '2000-01-01' WHERE id = %s",
                [obj.pk],
            )
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def updated_at():
        return model.objects.values_list("updated_at", flat=True).get(pk=obj.pk).year

    age()
    setattr(obj, field, value)
    obj.save(update_fields=[field])  # the ORM
    assert updated_at() > 2000
    age()
    model.objects.filter(pk=obj.pk).update(**{field: f"{value} again"})  # a bulk update
    assert updated_at() > 2000
    age()
    with connection.cursor() as cursor:  # raw SQL, as a loader or a psql session would write
        cursor.execute(
            f"UPDATE {table} SET {field} = %s WHERE id = %s",
            [f"{value} by hand", obj.pk],
        )
    assert updated_at() > 2000
    age()
    model.objects.filter(pk=obj.pk).update(**{field: f"{value} by hand"})  # no real change
    assert updated_at() == 2000, "an unchanged row keeps its date"


def test_the_demo_and_the_synthetic_incidents_are_attributed_each_to_its_own_writer(
    reference_data,
):
    from django.core.management import call_command

    call_command("load_demo", "--synthetic", "5")
    demo = Incident.objects.filter(origin="demo").first()
    synthetic = Incident.objects.filter(origin="synthetic").first()
    assert events_of(demo)[0].pgh_context.metadata == {"command": "load_demo"}
    context = events_of(synthetic)[0].pgh_context.metadata
    assert context["service"] == "synthetic_incidents_generate" and "command" not in context
