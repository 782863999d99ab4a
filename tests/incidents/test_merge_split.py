"""Merge and split: what moves, what stays, the tombstone and the deletions feeds (merged id ->
surviving id), the history, and an admin's undo of each."""

from datetime import date

import pytest
from django.utils import timezone

from incidents import services
from incidents.history import incident_history
from incidents.models import (
    CivilianHarmReport,
    Claim,
    Incident,
    IncidentActor,
    IncidentTombstone,
    ReviewComment,
    Status,
    TombstoneReason,
    Victim,
)
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    HarmAssessmentFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def published(users, **fields) -> Incident:
    return IncidentFactory(
        status=Status.PUBLISHED,
        published_at=timezone.now(),
        created_by=users["editor"],
        published_by=users["reviewer"],
        **fields,
    )


@pytest.fixture
def pair(users):
    """Two records of one event: each with claims (one source in both), participants (one
    actor in the same role in both, and each its own actor 1) and an assessment with a victim."""
    survivor = published(users, title="Ambush near Boni")
    merged = published(users, title="Boni ambush (duplicate)")
    shared_source = SourceFactory(publisher="RFI")
    jnim, fama, militia = (ActorFactory(name=n) for n in ("JNIM", "FAMa", "Dozo militia"))
    claims = {
        "shared_on_survivor": ClaimFactory(incident=survivor, source=shared_source),
        "shared_on_merged": ClaimFactory(incident=merged, source=shared_source),
        "own": ClaimFactory(
            incident=merged, source=SourceFactory(publisher="Studio Tamani"), fatalities_best=9
        ),
    }
    IncidentActorFactory(incident=survivor, actor=jnim, acled_position="actor1", ucdp_side="A")
    same = IncidentActorFactory(incident=merged, actor=jnim, acled_position="actor1", ucdp_side="A")
    other = IncidentActorFactory(
        incident=merged, actor=militia, acled_position="assoc_actor_2", ucdp_side="B"
    )
    IncidentActorFactory(incident=merged, actor=fama, acled_position="actor2", ucdp_side="B")
    harm = HarmAssessmentFactory(incident=merged, killed_men=2)
    victim = Victim.objects.create(report=harm, status="killed")
    return {
        "survivor": survivor,
        "merged": merged,
        "claims": claims,
        "same": same,
        "other": other,
        "harm": harm,
        "victim": victim,
    }


def test_a_reviewer_merges_a_duplicate_into_the_survivor(users, pair, client):
    survivor, merged = pair["survivor"], pair["merged"]
    operation = services.incident_merge(survivor.pk, merged.pk, user=users["reviewer"])
    merged.refresh_from_db()
    assert merged.status == Status.RETRACTED and merged.merged_into == survivor
    assert f"#{survivor.pk}" in merged.retraction_reason
    # The merged record's own claim, participants and assessment (with its victim) move.
    own = Claim.objects.get(pk=pair["claims"]["own"].pk)
    assert own.incident_id == survivor.pk
    assert IncidentActor.objects.get(pk=pair["other"].pk).incident_id == survivor.pk
    assert CivilianHarmReport.objects.get(pk=pair["harm"].pk).incident_id == survivor.pk
    assert Victim.objects.get(pk=pair["victim"].pk).report.incident_id == survivor.pk
    # What the survivor has already stays on the merged record (nothing is lost).
    assert Claim.objects.get(pk=pair["claims"]["shared_on_merged"].pk).incident_id == merged.pk
    assert IncidentActor.objects.get(pk=pair["same"].pk).incident_id == merged.pk
    assert pair["same"].pk in operation.details["kept"]["participants"]
    assert sorted(
        IncidentActor.objects.filter(incident=survivor).values_list("actor__name", flat=True)
    ) == ["Dozo militia", "FAMa", "JNIM"]
    survivor.refresh_from_db()
    assert survivor.fatalities_best == 9  # the estimates follow the moved claims
    assert operation.author == users["reviewer"] and operation.kind == "merge"
    assert operation.incident == survivor and operation.other_id == merged.pk
    # The deletions feeds: merged id -> surviving id.
    tombstone = IncidentTombstone.objects.get(incident_id=merged.pk)
    assert tombstone.reason == TombstoneReason.MERGED and tombstone.merged_into_id == survivor.pk
    _, key = services.api_key_create("Partner")
    rows = client.get("/api/v1/deleted/", HTTP_AUTHORIZATION=f"Api-Key {key}").json()["results"]
    assert [(r["incident_id"], r["reason"], r["merged_into"]) for r in rows] == [
        (merged.pk, "merged", survivor.pk)
    ]
    acled = client.get("/api/deleted/read", {"key": key, "email": "a@example.org"}).json()
    assert [r["event_id_cnty"] for r in acled["data"]] == [f"SIM{merged.pk}"]
    listed = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Api-Key {key}").json()
    assert [r["id"] for r in listed["results"]] == [survivor.pk]
    # The history of both shows the merge, by whom.
    moved = [c for c in incident_history(survivor) if "merge" in c.action_label]
    assert moved and {c.who for c in moved} == {"reviewer"}
    assert any(f.name == "merged_into" for c in incident_history(merged) for f in c.changes), (
        "the merged record's history says where it went"
    )


def test_only_reviewers_merge_and_never_an_incident_with_itself(users, pair):
    survivor, merged = pair["survivor"], pair["merged"]
    with pytest.raises(services.WorkflowError, match="Only reviewers"):
        services.incident_merge(survivor.pk, merged.pk, user=users["editor"])
    with pytest.raises(services.WorkflowError, match="itself"):
        services.incident_merge(survivor.pk, survivor.pk, user=users["reviewer"])
    services.incident_merge(survivor.pk, merged.pk, user=users["reviewer"])
    with pytest.raises(services.WorkflowError, match="retracted"):
        services.incident_merge(survivor.pk, merged.pk, user=users["reviewer"])
    assert ReviewComment.objects.filter(kind="merge").count() == 1


def test_an_admin_undoes_a_merge(users, pair, client):
    survivor, merged = pair["survivor"], pair["merged"]
    operation = services.incident_merge(survivor.pk, merged.pk, user=users["reviewer"])
    with pytest.raises(services.WorkflowError, match="admin"):
        services.incident_merge_undo(operation.pk, user=users["reviewer"])
    services.incident_merge_undo(operation.pk, user=users["admin"])
    merged.refresh_from_db()
    assert merged.status == Status.PUBLISHED and merged.merged_into is None
    assert merged.retraction_reason == ""
    assert Claim.objects.get(pk=pair["claims"]["own"].pk).incident_id == merged.pk
    assert IncidentActor.objects.get(pk=pair["other"].pk).incident_id == merged.pk
    assert CivilianHarmReport.objects.get(pk=pair["harm"].pk).incident_id == merged.pk
    assert IncidentActor.objects.filter(incident=merged).count() == 3
    assert not IncidentTombstone.objects.filter(incident_id=merged.pk).exists()
    survivor.refresh_from_db()
    assert survivor.fatalities_best is None
    operation.refresh_from_db()
    assert operation.undone_by == users["admin"] and operation.undone_at is not None
    with pytest.raises(services.WorkflowError, match="already"):
        services.incident_merge_undo(operation.pk, user=users["admin"])
    undone = [c for c in incident_history(merged) if "undoing a merge" in c.action_label]
    assert undone and {c.who for c in undone} == {"admin"}
    _, key = services.api_key_create("Partner")
    listed = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Api-Key {key}").json()
    assert sorted(r["id"] for r in listed["results"]) == sorted([survivor.pk, merged.pk])


def test_a_draft_merged_leaves_no_tombstone(users):
    survivor = IncidentFactory()
    merged = IncidentFactory()
    services.incident_merge(survivor.pk, merged.pk, user=users["reviewer"])
    assert Incident.objects.get(pk=merged.pk).status == Status.RETRACTED
    assert not IncidentTombstone.objects.exists()  # partners never saw it


@pytest.fixture
def mixed(users):
    """One record that is really two events: two claims and two participants."""
    incident = IncidentFactory(
        title="Two attacks near Djibo", date_start=date(2024, 4, 2), created_by=users["editor"]
    )
    first = ClaimFactory(incident=incident, fatalities_best=4)
    second = ClaimFactory(incident=incident, fatalities_best=11)
    a = IncidentActorFactory(incident=incident, acled_position="actor1", ucdp_side="A")
    b = IncidentActorFactory(incident=incident, acled_position="actor2", ucdp_side="B")
    harm = HarmAssessmentFactory(incident=incident)
    return {"incident": incident, "claims": (first, second), "participants": (a, b), "harm": harm}


def test_a_reviewer_splits_an_incident_in_two(users, mixed):
    incident = mixed["incident"]
    first, second = mixed["claims"]
    a, b = mixed["participants"]
    new = services.incident_split(
        incident.pk,
        user=users["reviewer"],
        claim_ids=[second.pk],
        participant_ids=[b.pk],
        harm_ids=[mixed["harm"].pk],
        date_start=date(2024, 4, 3),
        date_end=date(2024, 4, 3),
    )
    assert new.status == Status.DRAFT and new.created_by == users["reviewer"]
    assert new.title == "Two attacks near Djibo (split)" and new.date_start == date(2024, 4, 3)
    assert new.location.equals(incident.location)
    assert list(Claim.objects.filter(incident=new)) == [second]
    assert list(IncidentActor.objects.filter(incident=new)) == [b]
    assert list(CivilianHarmReport.objects.filter(incident=new)) == [mixed["harm"]]
    assert list(Claim.objects.filter(incident=incident)) == [first]
    assert list(IncidentActor.objects.filter(incident=incident)) == [a]
    incident.refresh_from_db()
    new.refresh_from_db()
    assert (incident.fatalities_best, new.fatalities_best) == (4, 11)
    operation = ReviewComment.objects.get(kind="split")
    assert operation.incident == incident and operation.other_id == new.pk
    split = [c for c in incident_history(new) if "split" in c.action_label]
    assert {c.model for c in split} >= {"incidents.Incident", "incidents.Claim"}
    assert {c.who for c in split} == {"reviewer"}


def test_a_split_needs_rows_of_the_incident_itself(users, mixed):
    other = ClaimFactory()
    with pytest.raises(services.WorkflowError, match="Choose the claims"):
        services.incident_split(mixed["incident"].pk, user=users["reviewer"])
    with pytest.raises(services.WorkflowError, match="only claims"):
        services.incident_split(mixed["incident"].pk, user=users["reviewer"], claim_ids=[other.pk])
    with pytest.raises(services.WorkflowError, match="Only reviewers"):
        services.incident_split(
            mixed["incident"].pk, user=users["editor"], claim_ids=[mixed["claims"][0].pk]
        )
    assert Incident.objects.count() == 2 and not ReviewComment.objects.exists()


def test_an_admin_undoes_a_split(users, mixed):
    incident = mixed["incident"]
    first, second = mixed["claims"]
    new = services.incident_split(
        incident.pk, user=users["reviewer"], claim_ids=[second.pk], participant_ids=[]
    )
    operation = ReviewComment.objects.get(kind="split")
    with pytest.raises(services.WorkflowError, match="admin"):
        services.incident_split_undo(operation.pk, user=users["reviewer"])
    services.incident_split_undo(operation.pk, user=users["admin"])
    assert not Incident.objects.filter(pk=new.pk).exists()
    assert sorted(Claim.objects.filter(incident=incident).values_list("pk", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    incident.refresh_from_db()
    assert incident.fatalities_best is not None
    operation.refresh_from_db()
    assert operation.undone_by == users["admin"]
    history = incident_history(incident)
    back = [c for c in history if "undoing a split" in c.action_label]
    assert back and {c.who for c in back} == {"admin"}
    gone = Incident.pgh_event_model.objects.filter(pgh_obj_id=new.pk, pgh_label="delete")
    assert gone.count() == 1  # the new incident's deletion is kept in history
