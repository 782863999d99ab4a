"""The API's per-incident summary (incidents_apirecord) stays equal to the same built from
scratch (incidents_apirecord_direct) through inserts, updates and deletes of participants,
claims, sources, assessments and dataset records, an actor's rename, a merge (and its undo), a
split and an incident's deletion; and the API's records read from it."""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction
from django.utils import timezone

from actors.models import ACLED_INTER_BY_KIND, ActorKind
from incidents import services
from incidents.models import AcledEvent, Claim, IncidentActor, Status
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    HarmAssessmentFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

COLUMNS = (
    "actor1, assoc_actor_1, actor2, assoc_actor_2, side_a, side_b, initiators, claimed_by, "
    "actors, claims_count, source_count, claims_summary, claims_summary_named, "
    "harm_assessments, acled_event_ids, ucdp_ged_ids"
)
# What the API reads for an incident without a row.
DEFAULTS = ("", "", "", "", "", "", "", "", "[]", 0, 0, "", "", 0, "", "")


def summary() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT incident_id, {COLUMNS} FROM incidents_apirecord ORDER BY incident_id"
        )
        kept = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT incident_id, {COLUMNS} FROM incidents_apirecord_direct ORDER BY incident_id"
        )
        direct = {row[0]: row[1:] for row in cursor.fetchall()}
    assert set(kept) <= set(direct), "rows for incidents that no longer exist"
    return kept, direct


def assert_exact() -> dict:
    kept, direct = summary()
    for incident_id, row in direct.items():
        assert kept.get(incident_id, DEFAULTS) == row, incident_id
    return kept


def published(users, **fields):
    return IncidentFactory(
        status=Status.PUBLISHED,
        published_at=timezone.now(),
        created_by=users["editor"],
        published_by=users["reviewer"],
        **fields,
    )


def test_the_summary_stays_exact_through_every_change(users):
    first, second = published(users), published(users)
    jnim = ActorFactory(name="JNIM", kind=ActorKind.JIHADIST)
    fama = ActorFactory(name="FAMa", kind=ActorKind.STATE, acronym="FAMa")
    dozo = ActorFactory(name="Dozo", kind=ActorKind.MILITIA)
    IncidentActorFactory(incident=first, actor=jnim, acled_position="actor1", ucdp_side="A")
    moved = IncidentActorFactory(
        incident=first, actor=fama, acled_position="actor2", ucdp_side="B", initiator=True
    )
    IncidentActorFactory(
        incident=first, actor=dozo, acled_position="assoc_actor_2", ucdp_side="B", sequence=1
    )
    kept = assert_exact()
    assert kept[first.pk][0] == "JNIM" and kept[first.pk][3] == "Dozo"
    assert kept[first.pk][6] == "FAMa"

    # Claims, one from a confidential source: its publisher kept apart for editors.
    secret = SourceFactory(publisher="Informant network", confidential=True)
    rfi = SourceFactory(publisher="RFI")
    ClaimFactory(incident=first, source=secret, fatalities_low=3, fatalities_high=5)
    claim = ClaimFactory(incident=first, source=rfi, fatalities_best=4)
    kept = assert_exact()
    assert "\x01" in kept[first.pk][11] and "Informant network" in kept[first.pk][12]
    assert "RFI" in kept[first.pk][11]

    # Updates: a participant moved to another incident and its role changed; a claim's
    # figures; a source renamed and re-graded; an actor renamed (and its kind changed).
    IncidentActor.objects.filter(pk=moved.pk).update(incident=second, acled_position="actor1")
    Claim.objects.filter(pk=claim.pk).update(fatalities_best=None, fatalities_low=2)
    rfi.publisher, rfi.reliability = "Radio France Internationale", "B"
    rfi.save()
    jnim.name, jnim.kind = "Jama'at Nusrat al-Islam wal-Muslimin", ActorKind.REBEL
    jnim.save()
    kept = assert_exact()
    assert kept[first.pk][0] == "Jama'at Nusrat al-Islam wal-Muslimin"
    assert kept[second.pk][0] == "FAMa"
    assert "Radio France Internationale (B" in kept[first.pk][11]

    # Assessments and dataset records.
    HarmAssessmentFactory(incident=second)
    AcledEvent.objects.create(incident=second, event_id_cnty="MLI123", event_date=date(2024, 3, 1))
    kept = assert_exact()
    assert kept[second.pk][13] == 1 and kept[second.pk][14] == "MLI123"

    # Deletes.
    Claim.objects.filter(incident=first).delete()
    IncidentActor.objects.filter(actor=dozo).delete()
    kept = assert_exact()
    assert kept[first.pk][9] == 0 and kept[first.pk][3] == ""

    # A merge, its undo, a split, then the incident deleted.
    comment = services.incident_merge(first.pk, second.pk, user=users["reviewer"])
    assert_exact()
    services.incident_merge_undo(comment.pk, user=users["admin"])
    assert_exact()
    participant = IncidentActor.objects.filter(incident=first).first()
    services.incident_split(
        first.pk, user=users["reviewer"], participant_ids=[participant.pk], title="Split off"
    )
    assert_exact()
    second.delete()
    kept = assert_exact()
    assert second.pk not in kept


def test_the_inter_by_kind_in_sql_is_the_python_one():
    with connection.cursor() as cursor:
        for kind in ActorKind:
            cursor.execute("SELECT incidents_acled_inter_of_kind(%s)", [kind.value])
            assert cursor.fetchone()[0] == ACLED_INTER_BY_KIND[kind]


@pytest.mark.django_db(transaction=True)
def test_two_transactions_adding_participants_to_one_incident_both_count():
    """Two connections each add a participant to the same incident, the second while the
    first is still open: the second builds the row after the first commits, from a view that
    sees both (without the lock it would overwrite the row without the first's participant)."""
    incident = IncidentFactory(status=Status.PUBLISHED, published_at=timezone.now())
    first, second = ActorFactory(name="JNIM"), ActorFactory(name="FAMa")
    inserted = threading.Event()

    def add(actor, position, side, *, wait_for=None, hold=0.0):
        try:
            if wait_for is not None:
                wait_for.wait(timeout=30)
            with transaction.atomic():
                IncidentActor.objects.create(
                    incident=incident, actor=actor, acled_position=position, ucdp_side=side
                )
                inserted.set()
                time.sleep(hold)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=add, args=(first, "actor1", "A"), kwargs={"hold": 1.0}),
        threading.Thread(target=add, args=(second, "actor2", "B"), kwargs={"wait_for": inserted}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    kept = assert_exact()
    assert kept[incident.pk][0] == "JNIM" and kept[incident.pk][2] == "FAMa"
