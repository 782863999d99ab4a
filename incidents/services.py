"""Services: the functions that write. Views, API views, commands and Celery tasks call these
rather than writing models themselves, so each rule has one home (see STYLE.md)."""

from dataclasses import dataclass

from django.db import connection, transaction


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
    with connection.cursor() as cursor:
        # Deferred foreign-key checks queued per row cost more than linearly in a bulk update;
        # checking each row as it is written is the same guarantee, much faster.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
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
        cursor.execute(
            """
            UPDATE incidents_place p SET point = p.point
            FROM incidents_place q
            CROSS JOIN LATERAL incidents_admin_areas_at(q.point) AS a
            WHERE p.id = q.id
              AND (q.admin1_id, q.admin2_id) IS DISTINCT FROM (a.admin1_id, a.admin2_id)
            """
        )
        places = cursor.rowcount
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return RederiveReport(incidents=incidents, places=places)


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
