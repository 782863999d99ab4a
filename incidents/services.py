"""Services: the functions that write. Views, API views, commands and Celery tasks call these
rather than writing models themselves, so each rule has one home (see STYLE.md)."""

from dataclasses import dataclass

from django.db import connection, transaction

from actors.services import CATALOGUE_PATH, actor_catalogue_load, read_catalogue
from config.db import analyze, immediate_constraints
from config.loading import LoadReport
from incidents.geo.datasets import ATTRIBUTION, Dataset, Log, dataset_load_if_changed
from incidents.geo.services import places_rederive
from incidents.geo.setup import geo_reference_setup


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


class WorkflowError(Exception):
    """A workflow step is not allowed; the message says why."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise WorkflowError(message)


@transaction.atomic
def incident_submit_for_review(incident, user):
    """draft -> in review. The incident must have a location and a sub-event type by then."""
    from incidents.models import Status

    _require(user.has_perm("incidents.change_incident"), "You may not edit incidents.")
    _require(
        incident.status == Status.DRAFT,
        f"Only drafts go to review (this one is {incident.status}).",
    )
    _require(incident.location is not None, "Set the location before asking for review.")
    _require(bool(incident.sub_event_type), "Set the sub-event type before asking for review.")
    incident.status = Status.IN_REVIEW
    incident.updated_by = user
    incident.save(update_fields=["status", "updated_by"])
    return incident


@transaction.atomic
def incident_publish(incident, user):
    """in review -> published, by a reviewer who did not create the incident."""
    from django.utils import timezone

    from incidents.models import Status

    _require(user.has_perm("incidents.publish_incident"), "Only reviewers may publish.")
    _require(
        incident.status == Status.IN_REVIEW,
        f"Only incidents in review can be published (this one is {incident.status}).",
    )
    _require(incident.created_by_id != user.pk, "A reviewer cannot publish their own entry.")
    incident.status = Status.PUBLISHED
    incident.published_by = user
    incident.published_at = timezone.now()
    incident.updated_by = user
    incident.save(update_fields=["status", "published_by", "published_at", "updated_by"])
    return incident


@transaction.atomic
def incident_retract(incident, user, reason: str):
    """published -> retracted, with the reason kept on the record (it is never deleted)."""
    from incidents.models import Status

    _require(user.has_perm("incidents.publish_incident"), "Only reviewers may retract.")
    _require(incident.status == Status.PUBLISHED, "Only published incidents can be retracted.")
    _require(bool(reason and reason.strip()), "Say why the incident is retracted.")
    incident.status = Status.RETRACTED
    incident.retraction_reason = reason.strip()
    incident.updated_by = user
    incident.save(update_fields=["status", "retraction_reason", "updated_by"])
    return incident
