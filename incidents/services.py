"""Services: the functions that write. Views, API views, commands and Celery tasks call these
rather than writing models themselves, so each rule has one home (see STYLE.md)."""

import time
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
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
    Incident,
    KeyScope,
    Organisation,
    OrganisationAPIKey,
    Source,
    Status,
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


def record_save(obj: Attributed, *, user: User | None, fields: list[str] | None = None) -> None:
    """Validates and saves an attributed record (Incident, Source, Claim, CivilianHarmReport),
    setting who created it (on creation) and who changed it last: the one place where attribution
    is set, so that the forms, the admin, the API, commands and workers all record it. With
    `fields`, only those (and the attribution) are written."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    creating = obj.pk is None
    if creating and obj.created_by_id is None:
        obj.created_by_id = user_id
    obj.updated_by_id = user_id
    obj.full_clean()
    if creating or fields is None:
        obj.save()
    else:
        obj.save(update_fields=[*fields, "updated_by"])


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


@transaction.atomic
def incident_update(incident_id: int, *, user: User | None, **fields) -> Incident:
    """Changes the given fields of an incident (locked while it changes); writes nothing when
    nothing differs. The status changes only through the workflow services."""
    if "status" in fields:
        raise WorkflowError(_("Change the status through the workflow (submit, publish, retract)."))
    incident = _locked(Incident, incident_id)
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
def harm_assessment_create(*, user: User | None, incident_id: int, **fields) -> CivilianHarmReport:
    assessment = CivilianHarmReport(incident_id=incident_id, **fields)
    record_save(assessment, user=user)
    return assessment


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
    return incident


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
