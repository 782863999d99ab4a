"""The review queue's decisions. Each one goes through the workflow services
(incidents/services.py), so the rules are the same as on the incident page (four eyes, a
location and a sub-event type before review, reviewers merge); each decision on a draft made
from a report also records what the extractor proposed and what the editor kept, to measure the
extractor (`ExtractionFeedback`). Bulk actions run each item in its own transaction: a refusal
is reported for that item and the others go on."""

import re
from dataclasses import dataclass

import pghistory
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents import services
from incidents.ingest.models import (
    FEEDBACK_FIELDS,
    ExtractionFeedback,
    RawReport,
    ReviewDecision,
)
from incidents.ingest.pipeline import claim_figures, event_facts
from incidents.models import CommentKind, Incident, Origin, ReviewComment, Status
from incidents.services import WorkflowError

User = AbstractBaseUser

ORIGIN_KEY = re.compile(r"^report:(\d+):(\d+)$")
DISCARD_REASON = "Discarded in review"
# A draft without a point or a sub-event type cannot be retracted (the database wants both after
# draft): it stays a draft with this tag, and leaves the queue all the same.
DISCARDED_TAG = "discarded-in-review"


def draft_origin(incident: Incident) -> tuple[int, int] | None:
    """(report id, event index) of a draft the ingestion made, from its origin key."""
    if incident.origin != Origin.INGESTED:
        return None
    found = ORIGIN_KEY.match(incident.origin_key or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


def _point(lon, lat) -> list[float] | None:
    if lon is None or lat is None:
        return None
    return [round(float(lon), 4), round(float(lat), 4)]


def proposed_values(report: RawReport, index: int) -> dict:
    """What the extractor and geocoder proposed for one event of a report, in the terms of
    FEEDBACK_FIELDS."""
    event = (report.extraction or {}).get("events", [])[index]
    geo = (report.geocoding or [])[index]
    facts = event_facts(report, event, geo)
    chosen = geo.get("chosen")
    mention = event["places"][chosen] if chosen is not None else None
    figures = claim_figures(event.get("casualties", []))
    return {
        "location": _point(facts.lon, facts.lat),
        "geo_precision": facts.geo_precision,
        "location_name": (mention or {}).get("name", ""),
        "date_start": facts.date_start.isoformat(),
        "date_end": facts.date_end.isoformat(),
        "event_type": facts.event_type,
        "sub_event_type": facts.sub_event_type,
        "actors": sorted(facts.actor_ids),
        "fatalities": [figures.get(f"fatalities_{k}") for k in ("low", "best", "high")],
    }


def kept_values(incident: Incident) -> dict:
    """The same values as the incident has them now."""
    location = incident.location
    return {
        "location": _point(location.x, location.y) if location is not None else None,
        "geo_precision": incident.geo_precision,
        "location_name": incident.location_name,
        "date_start": incident.date_start.isoformat(),
        "date_end": incident.date_end.isoformat(),
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
        "actors": sorted(set(incident.participants.values_list("actor_id", flat=True))),
        "fatalities": [incident.fatalities_low, incident.fatalities_best, incident.fatalities_high],
    }


def feedback_record(
    incident: Incident, decision: str, *, user: User, final: dict | None = None
) -> ExtractionFeedback | None:
    """Records a decision on a draft made from a report (nothing for other incidents). For an
    acceptance or a publication, `final` is what the incident holds now and `changed` the fields
    that differ from the proposal."""
    origin = draft_origin(incident)
    if origin is None:
        return None
    report = RawReport.objects.filter(pk=origin[0]).first()
    if report is None or not report.extraction or origin[1] >= len(report.extraction["events"]):
        return None
    proposed = proposed_values(report, origin[1])
    changed: list[str] = []
    if decision in (ReviewDecision.ACCEPTED, ReviewDecision.PUBLISHED):
        incident.refresh_from_db()
        final = kept_values(incident)
        changed = [name for name in FEEDBACK_FIELDS if proposed.get(name) != final.get(name)]
    feedback = ExtractionFeedback(
        report=report,
        event_index=origin[1],
        incident=incident,
        decision=decision,
        proposed=proposed,
        final=final or {},
        changed=changed,
        user=user,
    )
    feedback.full_clean()
    with pghistory.context(user=user.pk):
        feedback.save()
    return feedback


# --- Decisions --------------------------------------------------------------------------------


@transaction.atomic
def review_accept(incident_id: int, *, user: User, publish: bool = False) -> Incident:
    """A draft goes to review (editors), and with `publish` on to published (reviewers: four
    eyes as ever, so a reviewer's own entry waits for a colleague; a draft the workers made has
    no author, so any reviewer may publish it). With `publish`, an incident already in review is
    published."""
    incident = Incident.objects.get(pk=incident_id)
    if incident.status == Status.DRAFT:
        _require(DISCARDED_TAG not in incident.tags, _("This draft was discarded in review."))
        incident = services.incident_submit_for_review(incident_id, user=user)
        decision = ReviewDecision.ACCEPTED
    elif not publish:
        raise WorkflowError(
            _("Only drafts are accepted (this one is %(status)s).")
            % {"status": incident.get_status_display()}
        )
    if publish:
        incident = services.incident_publish(incident_id, user=user)
        decision = ReviewDecision.PUBLISHED
    feedback_record(incident, decision, user=user)
    return incident


def review_publish(incident_id: int, *, user: User) -> Incident:
    """review_accept with publication."""
    return review_accept(incident_id, user=user, publish=True)


def review_send_back(incident_id: int, *, user: User, comment: str) -> ReviewComment:
    """An incident in review back to draft, with the comment (reviewers)."""
    return services.incident_send_back(incident_id, user=user, comment=comment)


@transaction.atomic
def review_discard(incident_id: int, *, user: User, note: str = "") -> Incident:
    """A draft made from a report, judged no incident (or not worth one), leaves the queue: it is
    retracted with the reason "Discarded in review" (never deleted: it and its claim stay, and
    its history), or, when it lacks the point or sub-event type a retracted record needs,
    tagged as discarded. The
    report keeps its evidence, and is marked discarded once no draft made from it is left."""
    _require(user.has_perm("incidents.change_incident"), _("You may not edit incidents."))
    incident = services.incident_lock(incident_id)
    _require(
        draft_origin(incident) is not None and incident.status == Status.DRAFT,
        _("Only drafts made from reports are discarded in review (#%(id)s is %(status)s).")
        % {"id": incident.pk, "status": incident.get_status_display()},
    )
    _require(DISCARDED_TAG not in incident.tags, _("This draft was discarded in review already."))
    reason = DISCARD_REASON + (f": {note.strip()}" if note and note.strip() else "")
    if incident.location is None or not incident.sub_event_type:
        incident.tags = [*incident.tags, DISCARDED_TAG]
        services.record_save(incident, user=user, fields=["tags"])
    else:
        incident.status = Status.RETRACTED
        incident.retraction_reason = reason
        services.record_save(incident, user=user, fields=["status", "retraction_reason"])
    comment = ReviewComment(
        incident=incident, author=user, kind=CommentKind.RETRACTION, text=reason, details={}
    )
    comment.full_clean()
    comment.save()
    feedback_record(incident, ReviewDecision.DISCARDED, user=user)
    report_discarded_mark(draft_origin(incident)[0], user=user)
    return incident


def _discarded(incident: Incident) -> bool:
    return DISCARDED_TAG in incident.tags or (
        incident.status == Status.RETRACTED
        and incident.merged_into_id is None
        and incident.retraction_reason.startswith(DISCARD_REASON)
    )


def report_discarded_mark(report_id: int, *, user: User) -> bool:
    """Marks a report discarded when every event of it became a draft and every such draft was
    discarded (a report that is a source of a recorded incident is not). Returns whether it is."""
    report = RawReport.objects.select_for_update().get(pk=report_id)
    outcomes = [e.get("outcome") for e in (report.match or {}).get("events", [])]
    if not outcomes or "attached" in outcomes:
        return False
    drafts = list(
        Incident.objects.filter(
            origin=Origin.INGESTED, origin_key__startswith=f"report:{report.pk}:"
        )
    )
    if len(drafts) < len(outcomes) or not all(_discarded(d) for d in drafts):
        return False
    if report.discarded_at is None:
        report.discarded_at = timezone.now()
        with pghistory.context(user=user.pk):
            report.save(update_fields=["discarded_at"])
    return True


def merge_candidates(incident: Incident) -> list[int]:
    """The incidents the matcher compared a draft with, best first (the grey zone's candidate
    first)."""
    origin = draft_origin(incident)
    if origin is None:
        return []
    report = RawReport.objects.filter(pk=origin[0]).only("match").first()
    decisions = ((report.match if report else None) or {}).get("events", [])
    if origin[1] >= len(decisions):
        return []
    decision = decisions[origin[1]]
    found = [decision.get("candidate_id")] + [
        c.get("incident_id") for c in decision.get("candidates", [])
    ]
    return list(dict.fromkeys(i for i in found if i and i != incident.pk))


def _survivor(incident_id: int) -> int:
    """The incident a candidate was merged into since, if it was (followed a few steps)."""
    for _step in range(10):
        merged_into = (
            Incident.objects.filter(pk=incident_id).values_list("merged_into", flat=True).first()
        )
        if merged_into is None:
            return incident_id
        incident_id = merged_into
    return incident_id


@transaction.atomic
def review_merge(incident_id: int, *, user: User, candidate_id: int | None = None) -> Incident:
    """A grey-zone draft is the incident the matcher found: it is merged into it
    (services.incident_merge: its claim, and with it the report's source, and its participants
    move to the candidate; the draft is retracted pointing at it). Reviewers only. Returns the
    surviving incident."""
    incident = Incident.objects.get(pk=incident_id)
    _require(
        draft_origin(incident) is not None,
        _("Only drafts made from reports are merged in review."),
    )
    candidates = merge_candidates(incident)
    _require(
        bool(candidates), _("The matcher found no candidate for #%(id)s.") % {"id": incident_id}
    )
    target = candidate_id or candidates[0]
    _require(
        target in candidates,
        _("#%(id)s is not one of the candidates the matcher found.") % {"id": target},
    )
    survivor_id = _survivor(target)
    services.incident_merge(survivor_id, incident_id, user=user)
    incident.refresh_from_db()
    feedback_record(incident, ReviewDecision.MERGED, user=user, final={"merged_into": survivor_id})
    return Incident.objects.get(pk=survivor_id)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise WorkflowError(message)


# --- Bulk -------------------------------------------------------------------------------------

ACTIONS = {
    "accept": gettext_lazy("Accept (send for review)"),
    "publish": gettext_lazy("Publish"),
    "send_back": gettext_lazy("Send back"),
    "merge": gettext_lazy("Merge into the candidate"),
    "discard": gettext_lazy("Discard"),
}
# What each action needs, checked by the views before the services check it again.
ACTION_PERMISSIONS = {
    "accept": "incidents.change_incident",
    "publish": "incidents.publish_incident",
    "send_back": "incidents.publish_incident",
    "merge": "incidents.publish_incident",
    "discard": "incidents.change_incident",
}
DONE = {
    "accept": gettext_lazy("#%(id)s sent for review."),
    "publish": gettext_lazy("#%(id)s published."),
    "send_back": gettext_lazy("#%(id)s sent back to the editor."),
    "merge": gettext_lazy("#%(id)s merged into #%(survivor)s."),
    "discard": gettext_lazy("#%(id)s discarded."),
}


@dataclass(frozen=True)
class Outcome:
    incident_id: int
    ok: bool
    message: str


def review_apply(action: str, incident_id: int, *, user: User, comment: str = "") -> Outcome:
    """One decision on one incident, in its own transaction; a refusal is returned (with its
    reason), not raised."""
    if action not in ACTIONS:
        raise ValueError(f"unknown review action {action!r}")
    try:
        if not user.has_perm(ACTION_PERMISSIONS[action]):
            raise PermissionDenied(_("You may not do this."))
        with transaction.atomic():
            survivor = None
            if action == "accept":
                review_accept(incident_id, user=user)
            elif action == "publish":
                review_publish(incident_id, user=user)
            elif action == "send_back":
                review_send_back(incident_id, user=user, comment=comment)
            elif action == "merge":
                survivor = review_merge(incident_id, user=user).pk
            else:
                review_discard(incident_id, user=user, note=comment)
    except (WorkflowError, PermissionDenied) as refusal:
        return Outcome(incident_id, False, f"#{incident_id}: {refusal}")
    except ValidationError as refusal:
        return Outcome(incident_id, False, f"#{incident_id}: {' '.join(refusal.messages)}")
    except ObjectDoesNotExist:
        return Outcome(incident_id, False, _("#%(id)s: no such incident.") % {"id": incident_id})
    return Outcome(incident_id, True, DONE[action] % {"id": incident_id, "survivor": survivor})


def review_bulk(action: str, incident_ids, *, user: User, comment: str = "") -> list[Outcome]:
    """The same decision on several incidents, each in its own transaction, in the order given;
    each refusal is reported and the others are still applied."""
    ids = list(dict.fromkeys(int(i) for i in incident_ids))
    return [review_apply(action, pk, user=user, comment=comment) for pk in ids]
