"""Services: the functions that write. Views, API views, commands and Celery tasks call these
rather than writing models themselves, so each rule has one home (see STYLE.md)."""

import contextlib
import time
from dataclasses import dataclass
from typing import TypeVar

import pghistory
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actors import selectors as actor_selectors
from actors.models import Actor
from actors.selectors import actor_group_windows
from actors.services import CATALOGUE_PATH, actor_catalogue_load, read_catalogue
from config.db import analyze, immediate_constraints
from config.loading import LoadReport
from incidents.geo.datasets import ATTRIBUTION, Dataset, Log, dataset_load_if_changed
from incidents.geo.services import places_rederive
from incidents.geo.setup import geo_reference_setup
from incidents.models import (
    ActorGroup,
    ActorGroupWindow,
    ActorSummaryState,
    CivilianHarmReport,
    Claim,
    CommentKind,
    Incident,
    IncidentActor,
    KeyScope,
    Organisation,
    OrganisationAPIKey,
    ReviewComment,
    Source,
    Status,
    Victim,
)
from incidents.models.incident import Attributed

User = AbstractBaseUser
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class RederiveReport:
    incidents: int
    places: int


@transaction.atomic
def admin_areas_rederive() -> RederiveReport:
    """Re-derives country/admin1/admin2 of every incident and place whose stored areas differ from
    what the current boundary polygons say (after boundaries are loaded or edited).

    Setting the location to itself fires the derivation trigger; rows that would not change are
    not touched, so history and `updated_at` only record real changes.
    """
    with immediate_constraints(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE incidents_incident i SET location = i.location
            FROM incidents_incident j
            CROSS JOIN LATERAL incidents_admin_areas_at(j.location) AS a
            WHERE i.id = j.id AND j.location IS NOT NULL
              AND ((j.admin1_id, j.admin2_id) IS DISTINCT FROM (a.admin1_id, a.admin2_id)
                   OR (a.country_code IS NOT NULL AND j.country_code <> a.country_code))
            """
        )
        incidents = cursor.rowcount
    return RederiveReport(incidents=incidents, places=places_rederive())


# Tables whose planner statistics a reference load changes (the synthetic generator's place
# weighting, for one, is planned badly on the statistics of an empty gazetteer).
REFERENCE_TABLES = (
    "incidents_adminarea",
    "incidents_adminareapart",
    "incidents_place",
    "incidents_placename",
    "actors_actor",
    "actors_actoralias",
    "actors_actorrelation",
)


def _load_actor_catalogue(path) -> LoadReport:
    return actor_catalogue_load(read_catalogue(path))


def reference_data_setup(
    *, reference_dir: str = "", download: bool = False, force: bool = False, log: Log = print
) -> None:
    """Loads the actor catalogue, boundaries and gazetteer from the best available source
    (incidents.geo.setup says which), re-derives the admin areas of incidents and places after
    boundaries changed, and refreshes the planner statistics of what was loaded."""
    actors = dataset_load_if_changed(
        Dataset("actors:catalogue", str(CATALOGUE_PATH), ATTRIBUTION["actors"]),
        _load_actor_catalogue,
        force=force,
        log=log,
    )
    geo = geo_reference_setup(
        reference_dir=reference_dir,
        download=download,
        force=force,
        log=log,
        after_boundaries=lambda report: admin_areas_rederive(),
    )
    if actors is not None or geo:
        analyze(REFERENCE_TABLES)
    actor_summary_refresh(log=log)


def actor_summary_refresh(*, log: Log = lambda _: None) -> bool:
    """Brings the map's per-actor summary (incidents/models/actorcells.py) in step with the
    actors and their relations: materialises every actor's groups (with and without member
    groups) and, when their windows changed, rebuilds the cells. Cheap when nothing changed
    (the relations' fingerprint is compared first). Returns whether anything was rebuilt."""
    fingerprint = actor_selectors.actor_groups_fingerprint()
    state = ActorSummaryState.objects.first()
    if state is not None and state.relations_fingerprint == fingerprint:
        return False
    with transaction.atomic():
        # One refresh at a time; a second waits, then finds the work done.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('incidents_actor_summary'))")
        state = ActorSummaryState.objects.select_for_update().first()
        if state is not None and state.relations_fingerprint == fingerprint:
            return False
        started = time.monotonic()
        groups: dict[tuple[int, bool], frozenset] = {}
        for actor_id in Actor.objects.order_by("pk").values_list("pk", flat=True):
            for members in (False, True):
                groups[(actor_id, members)] = frozenset(
                    (w.actor_id, w.start, w.end)
                    for w in actor_group_windows([actor_id], members=members)
                )
        keys = {ws: n for n, ws in enumerate(sorted(set(groups.values()), key=sorted), 1)}
        windows = {(keys[ws], *window) for ws in keys for window in ws}
        stored = set(
            ActorGroupWindow.objects.values_list("key", "actor_id", "start_date", "end_date")
        )
        rebuilt = windows != stored
        if rebuilt:
            ActorGroupWindow.objects.all().delete()
            ActorGroupWindow.objects.bulk_create(
                ActorGroupWindow(key=key, actor_id=actor_id, start_date=start, end_date=end)
                for key, actor_id, start, end in sorted(windows)
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT incidents_actorcells_rebuild()")
                cells = cursor.fetchone()[0]
            analyze(["incidents_actorcell", "incidents_actorgroupwindow"])
        ActorGroup.objects.all().delete()
        ActorGroup.objects.bulk_create(
            ActorGroup(actor_id=actor_id, members=members, key=keys[ws])
            for (actor_id, members), ws in groups.items()
        )
        ActorSummaryState.objects.all().delete()
        ActorSummaryState.objects.create(relations_fingerprint=fingerprint, built_at=timezone.now())
    if rebuilt:
        log(
            f"map summary per actor: {len(keys)} groups, {cells} cells, "
            f"rebuilt in {time.monotonic() - started:.1f} s"
        )
    return rebuilt


# --- Writing records: validation and attribution, for every write path ------------------------


def record_save(
    obj: Attributed,
    *,
    user: User | None,
    fields: list[str] | None = None,
    constraints: bool = True,
) -> None:
    """Validates and saves an attributed record (Incident, Source, Claim, CivilianHarmReport),
    setting who created it (on creation) and who changed it last: the one place where attribution
    is set, so that the forms, the admin, the API, commands and workers all record it (in the
    history too: the user joins the pghistory context). With `fields`, only those (and the
    attribution) are written. An incident's `version` goes up by one on every save after its
    creation (optimistic locking: incident_update). `constraints=False` leaves the model's
    constraints to the database alone (a bulk import that retries a refused row with them, for
    the message: Django checks each constraint with a query of its own)."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    creating = obj.pk is None
    if creating and obj.created_by_id is None:
        obj.created_by_id = user_id
    obj.updated_by_id = user_id
    obj.full_clean(validate_constraints=constraints)
    versioned = isinstance(obj, Incident) and not creating
    if versioned:
        obj.version += 1
    with pghistory.context(user=user_id) if user_id else contextlib.nullcontext():
        if creating or fields is None:
            obj.save()
        else:
            extra = ["updated_by", *(["version"] if versioned else [])]
            obj.save(update_fields=[*dict.fromkeys([*fields, *extra])])


def _locked(model: type[M], pk: int) -> M:
    return model.objects.select_for_update().get(pk=pk)


def _assign(obj: models.Model, values: dict) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


@transaction.atomic
def incident_create(*, user: User | None, **fields) -> Incident:
    """A new incident (a draft unless `status` says otherwise), attributed to `user`."""
    incident = Incident(**fields)
    record_save(incident, user=user)
    return incident


class ConcurrentEditError(Exception):
    """Someone saved the incident after the editor read it: their save is refused (nothing is
    written), and `current` is the incident as saved now, so a form can show both versions."""

    def __init__(self, current: Incident, expected_version: int):
        self.current = current
        self.current_version = current.version
        self.expected_version = expected_version
        super().__init__(
            _(
                "Someone else saved this incident after you opened it (version %(current)s, you "
                "edited version %(expected)s). Compare both versions before saving again."
            )
            % {"current": current.version, "expected": expected_version}
        )


def incident_lock(incident_id: int, *, expected_version: int | None = None) -> Incident:
    """The incident, locked for the rest of the transaction; ConcurrentEditError when it is no
    longer at `expected_version` (a form saving inline rows calls this first, in the same
    transaction as its writes)."""
    incident = _locked(Incident, incident_id)
    if expected_version is not None and incident.version != expected_version:
        raise ConcurrentEditError(incident, expected_version)
    return incident


@transaction.atomic
def incident_update(
    incident_id: int, *, user: User | None, expected_version: int | None = None, **fields
) -> Incident:
    """Changes the given fields of an incident (locked while it changes); writes nothing when
    nothing differs. The status changes only through the workflow services, a merge only through
    incident_merge. With `expected_version` (the version the editor's form read), a save over a
    newer version is refused with ConcurrentEditError and nothing is written."""
    if "status" in fields:
        raise WorkflowError(_("Change the status through the workflow (submit, publish, retract)."))
    if {"version", "merged_into", "merged_into_id"} & fields.keys():
        raise WorkflowError(_("The version and the merge are kept by the services."))
    incident = incident_lock(incident_id, expected_version=expected_version)
    changed = _assign(incident, fields)
    if changed:
        record_save(incident, user=user, fields=changed)
    return incident


@transaction.atomic
def source_create(*, user: User | None, **fields) -> Source:
    source = Source(**fields)
    record_save(source, user=user)
    return source


@transaction.atomic
def source_update(source_id: int, *, user: User | None, **fields) -> Source:
    source = _locked(Source, source_id)
    changed = _assign(source, fields)
    if changed:
        record_save(source, user=user, fields=changed)
    return source


@transaction.atomic
def claim_create(*, user: User | None, incident_id: int, source_id: int, **fields) -> Claim:
    """What one source says about one incident; the incident's estimates follow (a trigger)."""
    claim = Claim(incident_id=incident_id, source_id=source_id, **fields)
    record_save(claim, user=user)
    return claim


@transaction.atomic
def claim_update(claim_id: int, *, user: User | None, **fields) -> Claim:
    claim = _locked(Claim, claim_id)
    changed = _assign(claim, fields)
    if changed:
        record_save(claim, user=user, fields=changed)
    return claim


@transaction.atomic
def participant_create(**fields) -> IncidentActor:
    """An actor's part in an incident. A participant has no attribution of its own (the
    request's history context has it); its rules are the model's, checked as record_save checks
    the others'. The forms and the write API both write participants here."""
    participant = IncidentActor(**fields)
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def participant_update(participant_id: int, **fields) -> IncidentActor:
    participant = _locked(IncidentActor, participant_id)
    if _assign(participant, fields):
        participant.full_clean()
        participant.save()
    return participant


@transaction.atomic
def harm_assessment_create(*, user: User | None, incident_id: int, **fields) -> CivilianHarmReport:
    assessment = CivilianHarmReport(incident_id=incident_id, **fields)
    record_save(assessment, user=user)
    return assessment


# --- Victims: personal data, written only by those allowed to see it -------------------------

PERSONAL_DATA = "incidents.view_personal_data"


class PersonalDataError(PermissionDenied):
    """The user may not see personal data, so may not write victims."""


def _require_personal(user: User | None) -> int:
    if user is None or not user.is_authenticated or not user.has_perm(PERSONAL_DATA):
        raise PersonalDataError(_("Only users allowed to see personal data may write victims."))
    return user.pk


def _victim_save(victim: Victim, user_id: int, fields: list[str] | None = None) -> Victim:
    victim.full_clean()
    # A victim has no attribution columns: the history context records who wrote it.
    with pghistory.context(user=user_id):
        victim.save(update_fields=fields) if fields else victim.save()
    return victim


@transaction.atomic
def victim_create(*, user: User, report_id: int, **fields) -> Victim:
    """One person harmed, in a civilian-harm assessment; by a user with the personal-data
    permission, attributed in the history."""
    user_id = _require_personal(user)
    return _victim_save(Victim(report_id=report_id, **fields), user_id)


@transaction.atomic
def victim_update(victim_id: int, *, user: User, **fields) -> Victim:
    """Changes the given fields of a victim row (`report_id` moves it to another assessment);
    writes nothing when nothing differs."""
    user_id = _require_personal(user)
    victim = _locked(Victim, victim_id)
    changed = _assign(victim, fields)
    if changed:
        names = [Victim._meta.get_field(n.removesuffix("_id")).name for n in changed]
        _victim_save(victim, user_id, names)
    return victim


@transaction.atomic
def victim_delete(victim_id: int, *, user: User) -> None:
    """Removes a victim row (its history stays, and an admin can restore it)."""
    user_id = _require_personal(user)
    victim = _locked(Victim, victim_id)
    with pghistory.context(user=user_id):
        victim.delete()


# --- The workflow: draft -> in review -> published -> retracted -------------------------------


class WorkflowError(Exception):
    """A workflow step is not allowed; the message says why."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise WorkflowError(message)


@transaction.atomic
def incident_submit_for_review(incident_id: int, *, user: User) -> Incident:
    """draft -> in review. The incident must have a location and a sub-event type by then (the
    database refuses the rest too)."""
    _require(user.has_perm("incidents.change_incident"), _("You may not edit incidents."))
    incident = _locked(Incident, incident_id)
    _require(
        incident.status == Status.DRAFT,
        _("Only drafts go to review (this one is %(status)s).")
        % {"status": incident.get_status_display()},
    )
    _require(incident.location is not None, _("Set the location before asking for review."))
    _require(bool(incident.sub_event_type), _("Set the sub-event type before asking for review."))
    incident.status = Status.IN_REVIEW
    record_save(incident, user=user, fields=["status"])
    return incident


@transaction.atomic
def incident_publish(incident_id: int, *, user: User) -> Incident:
    """in review -> published, by a reviewer who did not create the incident."""
    _require(user.has_perm("incidents.publish_incident"), _("Only reviewers may publish."))
    incident = _locked(Incident, incident_id)
    _require(
        incident.status == Status.IN_REVIEW,
        _("Only incidents in review can be published (this one is %(status)s).")
        % {"status": incident.get_status_display()},
    )
    # Four eyes on authorship (also a CHECK). A reviewer who corrected the entry during review
    # may still publish it: the correction is attributed and in the history, and the author's
    # work has had a second reader (docs/workflow.md).
    _require(incident.created_by_id != user.pk, _("A reviewer cannot publish their own entry."))
    incident.status = Status.PUBLISHED
    incident.published_by = user
    incident.published_at = timezone.now()
    record_save(incident, user=user, fields=["status", "published_by", "published_at"])
    return incident


@transaction.atomic
def incident_retract(incident_id: int, *, user: User, reason: str) -> Incident:
    """published -> retracted, with the reason kept on the record (it is never deleted)."""
    _require(user.has_perm("incidents.publish_incident"), _("Only reviewers may retract."))
    incident = _locked(Incident, incident_id)
    _require(incident.status == Status.PUBLISHED, _("Only published incidents can be retracted."))
    _require(bool(reason and reason.strip()), _("Say why the incident is retracted."))
    incident.status = Status.RETRACTED
    incident.retraction_reason = reason.strip()
    record_save(incident, user=user, fields=["status", "retraction_reason"])
    _log(incident, user, CommentKind.RETRACTION, incident.retraction_reason, {})
    return incident


@transaction.atomic
def incident_send_back(incident_id: int, *, user: User, comment: str) -> ReviewComment:
    """in review -> draft, by a reviewer, with a comment that says what to change (kept with the
    incident: ReviewComment)."""
    _require(user.has_perm("incidents.publish_incident"), _("Only reviewers may send back."))
    incident = _locked(Incident, incident_id)
    _require(
        incident.status == Status.IN_REVIEW,
        _("Only incidents in review can be sent back (this one is %(status)s).")
        % {"status": incident.get_status_display()},
    )
    _require(bool(comment and comment.strip()), _("Say what the editor should change."))
    incident.status = Status.DRAFT
    record_save(incident, user=user, fields=["status"])
    return _log(incident, user, CommentKind.SEND_BACK, comment.strip(), {})


def harm_warnings(incident: Incident) -> list[str]:
    """Civilian-harm assessments that count more dead than the incident's high estimate (its
    best when no high is given): a warning for the form to show, not an error (the assessment
    may rest on a source the claims do not have yet)."""
    ceiling = incident.fatalities_high
    if ceiling is None:
        ceiling = incident.fatalities_best
    if ceiling is None:
        return []
    warnings = []
    for assessment in incident.harm_assessments.order_by("id"):
        killed = max(
            (n for n in (assessment.killed_max, assessment.total("killed")) if n is not None),
            default=None,
        )
        if killed is not None and killed > ceiling:
            warnings.append(
                _(
                    "Civilian-harm assessment #%(id)s counts %(killed)s killed, more than the "
                    "incident's high estimate of %(high)s dead: check the claims or the "
                    "assessment."
                )
                % {"id": assessment.pk, "killed": killed, "high": ceiling}
            )
    return warnings


# --- Merge and split: kept in history, undone by an admin ------------------------------------


def _is_admin(user: User) -> bool:
    return user.has_perm("incidents.delete_incident")


def _move(rows: list[models.Model], incident: Incident, *, user: User) -> tuple[list, list]:
    """Moves rows (claims, participants, assessments) to `incident`, each validated; a row the
    target cannot take (its source already has a claim there, the same actor in the same role,
    a second actor 1) stays where it is. Returns the ids moved and those kept."""
    moved, kept = [], []
    for row in rows:
        if not _takes(incident, row):
            kept.append(row.pk)
            continue
        row.incident = incident
        if isinstance(row, Attributed):
            record_save(row, user=user, fields=["incident"])
        else:
            row.full_clean()
            row.save(update_fields=["incident"])
        moved.append(row.pk)
    return moved, kept


def _takes(incident: Incident, row: models.Model) -> bool:
    """Whether `incident` can take the row: its validation on the incident, read only. The rows
    of one incident never refuse each other (they hold together already), so each is judged
    against the target's own rows alone, in any order."""
    previous = row.incident
    row.incident = incident
    try:
        row.full_clean()
        return True
    except ValidationError:
        return False
    finally:
        row.incident = previous


def _rows_of(incident: Incident, moved: dict | None = None) -> dict[str, list]:
    """The incident's claims, participants and assessments (only those `moved` names)."""
    found = {
        "claims": list(Claim.objects.filter(incident=incident).order_by("id")),
        "participants": list(IncidentActor.objects.filter(incident=incident).order_by("id")),
        "harm": list(CivilianHarmReport.objects.filter(incident=incident).order_by("id")),
    }
    if moved is not None:
        found = {k: [r for r in rows if r.pk in set(moved.get(k, ()))] for k, rows in found.items()}
    return found


def _locked_pair(first_id: int, second_id: int) -> tuple[Incident, Incident]:
    locked = {
        i.pk: i
        for i in Incident.objects.select_for_update()
        .filter(pk__in=[first_id, second_id])
        .order_by("pk")
    }
    if first_id not in locked or second_id not in locked:
        raise Incident.DoesNotExist
    return locked[first_id], locked[second_id]


@transaction.atomic
def incident_merge(survivor_id: int, merged_id: int, *, user: User) -> ReviewComment:
    """Two records of the same event become one, by a reviewer: the merged incident's claims
    (and with them its sources), participants and civilian-harm assessments move to the
    survivor, and it is retracted pointing at the survivor (`merged_into`), so the deletions
    feed says merged id -> surviving id. What the survivor already has (a claim of the same
    source, the same actor in the same role, a second actor 1) stays on the merged record,
    listed in the log entry's `details["kept"]`. Recorded (a ReviewComment of kind merge on the
    survivor, and the history)."""
    survivor, merged = _locked_pair(survivor_id, merged_id)
    _merge_allowed(survivor, merged, user)
    with pghistory.context(user=user.pk, operation="merge"):
        moved: dict = {
            "status": merged.status,
            "retraction_reason": merged.retraction_reason,
            "kept": {},
        }
        for kind, rows in _rows_of(merged).items():
            moved[kind], moved["kept"][kind] = _move(rows, survivor, user=user)
        merged.status = Status.RETRACTED
        merged.retraction_reason = _("Merged into #%(id)s.") % {"id": survivor.pk}
        merged.merged_into = survivor
        record_save(merged, user=user, fields=["status", "retraction_reason", "merged_into"])
        record_save(survivor, user=user, fields=[])
        operation = _log(
            survivor,
            user,
            CommentKind.MERGE,
            _("Incident #%(merged)s merged into #%(survivor)s.")
            % {"merged": merged.pk, "survivor": survivor.pk},
            {"other": merged.pk, **moved},
        )
    return operation


def incident_merge_plan(survivor_id: int, merged_id: int, *, user: User) -> dict[str, list]:
    """What incident_merge would keep on the merged record (ids by kind: claims, participants,
    harm; the rest moves), or its refusal (WorkflowError), found by reading only: the
    confirmation page's preview, which locks and writes nothing."""
    survivor = Incident.objects.get(pk=survivor_id)
    merged = Incident.objects.get(pk=merged_id)
    _merge_allowed(survivor, merged, user)
    return {
        kind: [row.pk for row in rows if not _takes(survivor, row)]
        for kind, rows in _rows_of(merged).items()
    }


def _merge_allowed(survivor: Incident, merged: Incident, user: User) -> None:
    """Refuses (WorkflowError) a merge the rules do not allow: the one check of the merge and of
    its plan."""
    _require(user.has_perm("incidents.publish_incident"), _("Only reviewers may merge."))
    _require(survivor.pk != merged.pk, _("An incident cannot be merged into itself."))
    for incident in (survivor, merged):
        _require(
            incident.status != Status.RETRACTED,
            _("Incident #%(id)s is retracted: it cannot take part in a merge.")
            % {"id": incident.pk},
        )
    _require(
        merged.location is not None and bool(merged.sub_event_type),
        _(
            "Set the location and sub-event type of #%(id)s before merging it (it is kept, "
            "retracted)."
        )
        % {"id": merged.pk},
    )


def _log(incident: Incident, user: User, kind: str, text: str, details: dict) -> ReviewComment:
    entry = ReviewComment(incident=incident, author=user, kind=kind, text=text, details=details)
    entry.full_clean()
    entry.save()
    return entry


def _operation_to_undo(operation_id: int, kind: str, user: User) -> ReviewComment:
    _require(_is_admin(user), _("Only an admin may undo a merge or a split."))
    operation = ReviewComment.objects.select_for_update().get(pk=operation_id, kind=kind)
    _require(operation.undone_at is None, _("This was undone already."))
    return operation


def _move_back(rows: dict[str, list], incident: Incident, *, user: User) -> None:
    for kind, found in rows.items():
        _moved, kept = _move(found, incident, user=user)
        _require(
            not kept,
            _("Some %(kind)s cannot go back to #%(id)s (it has the same now): %(rows)s.")
            % {"kind": kind, "id": incident.pk, "rows": ", ".join(f"#{pk}" for pk in kept)},
        )


@transaction.atomic
def incident_merge_undo(operation_id: int, *, user: User) -> ReviewComment:
    """Undoes a merge, by an admin: what moved goes back to the merged incident (what the
    survivor got since stays), which returns to the status it had, and leaves the deletions
    feed if it is published again. Recorded (the operation's undone_by/at, history)."""
    operation = _operation_to_undo(operation_id, CommentKind.MERGE, user)
    survivor, merged = _locked_pair(operation.incident_id, operation.other_id)
    with pghistory.context(user=user.pk, operation="merge_undo"):
        _move_back(_rows_of(survivor, operation.details), merged, user=user)
        merged.status = operation.details["status"]
        merged.retraction_reason = operation.details["retraction_reason"]
        merged.merged_into = None
        record_save(merged, user=user, fields=["status", "retraction_reason", "merged_into"])
        record_save(survivor, user=user, fields=[])
        operation.undone_by = user
        operation.undone_at = timezone.now()
        operation.save(update_fields=["undone_by", "undone_at"])
    return operation


# What a split's new incident takes from the original (the rest is its own: a new draft).
SPLIT_COPIED = (
    "title",
    "date_start",
    "date_end",
    "time_precision",
    "ucdp_date_prec",
    "location",
    "location_name",
    "geo_precision",
    "ucdp_where_prec",
    "place_id",
    "country_code",
    "event_type",
    "sub_event_type",
    "civilian_targeting",
    "ucdp_violence_type",
    "narrative",
    "tags",
)


@transaction.atomic
def incident_split(
    incident_id: int,
    *,
    user: User,
    claim_ids: list[int] = (),
    participant_ids: list[int] = (),
    harm_ids: list[int] = (),
    **fields,
) -> Incident:
    """One record that is really two events becomes two, by a reviewer: a new draft (a copy of
    the incident's coding, changed by `fields`) takes the chosen claims (with their sources),
    participants and assessments. Recorded (a ReviewComment of kind split on the original, and
    the history); undone by an admin."""
    _require(user.has_perm("incidents.publish_incident"), _("Only reviewers may split."))
    original = _locked(Incident, incident_id)
    _require(original.status != Status.RETRACTED, _("A retracted incident cannot be split."))
    chosen = {"claims": set(claim_ids), "participants": set(participant_ids), "harm": set(harm_ids)}
    _require(any(chosen.values()), _("Choose the claims or participants the new incident takes."))
    rows = _rows_of(original, {k: list(v) for k, v in chosen.items()})
    unknown = sum(len(v) for v in chosen.values()) - sum(len(v) for v in rows.values())
    _require(unknown == 0, _("Choose only claims, participants and assessments of this incident."))
    with pghistory.context(user=user.pk, operation="split"):
        values = {name: getattr(original, name) for name in SPLIT_COPIED}
        values["title"] = _("%(title)s (split)") % {"title": original.title}
        values["tags"] = list(values["tags"])
        values.update(fields)
        new = Incident(**values, status=Status.DRAFT)
        record_save(new, user=user)
        moved = {}
        for kind, found in rows.items():
            moved[kind], kept = _move(found, new, user=user)
            _require(not kept, _("Some of the chosen rows cannot move to the new incident."))
        record_save(original, user=user, fields=[])
        _log(
            original,
            user,
            CommentKind.SPLIT,
            _("Incident #%(new)s split off #%(original)s.")
            % {"new": new.pk, "original": original.pk},
            {"other": new.pk, **moved},
        )
    return new


@transaction.atomic
def incident_split_undo(operation_id: int, *, user: User) -> ReviewComment:
    """Undoes a split, by an admin: the rows that moved go back, and the new incident, left
    empty, is deleted (its history stays; if it was published, the deletions feed says so).
    Refused when the new incident got claims, participants or assessments of its own since."""
    operation = _operation_to_undo(operation_id, CommentKind.SPLIT, user)
    original, new = _locked_pair(operation.incident_id, operation.other_id)
    with pghistory.context(user=user.pk, operation="split_undo"):
        _move_back(_rows_of(new, operation.details), original, user=user)
        left = _rows_of(new)
        _require(
            not any(left.values()),
            _(
                "Incident #%(id)s has claims, participants or assessments of its own since the "
                "split: move them first."
            )
            % {"id": new.pk},
        )
        operation.undone_by = user
        operation.undone_at = timezone.now()
        operation.save(update_fields=["undone_by", "undone_at"])
        ReviewComment.objects.filter(incident=new).delete()
        new.delete()
        record_save(original, user=user, fields=[])
    return operation


# --- Partner API keys ------------------------------------------------------------------------


@transaction.atomic
def api_key_create(
    organisation_name: str, *, scope: str = KeyScope.READ, name: str = ""
) -> tuple[OrganisationAPIKey, str]:
    """A new API key for a partner organisation (created with the default policy and rate if it
    does not exist yet). Returns the key record and the key itself: only its hash is stored, so
    this is the one time it can be shown."""
    organisation_name = organisation_name.strip()
    if not organisation_name:
        raise ValueError(_("Name the organisation."))
    if scope not in KeyScope.values:
        raise ValueError(_("The scope is read or write."))
    organisation, created = Organisation.objects.get_or_create(name=organisation_name)
    if created:
        organisation.full_clean()
    key_name = (name or f"{organisation_name} {timezone.now():%Y-%m-%d}")[:50]
    return OrganisationAPIKey.objects.create_key(
        organisation=organisation, scope=scope, name=key_name
    )
