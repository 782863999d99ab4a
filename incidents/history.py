"""An incident's history as readers need it, from the pghistory events the database records on
every write: each change to the incident and to what hangs on it (participants, sources cited by
its claims, claims, civilian-harm assessments and their victims, review comments, merges and
splits) as a readable diff — who, when, which field, before -> after — and an admin's restore
of a row (whole, or some fields) to what an event recorded, the restore itself recorded."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import pghistory
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pghistory.models import Events

from actors.models import Actor
from incidents.models import ESTIMATES, CivilianHarmReport, Incident, Status
from incidents.models.incident import BOUNDS, Attributed

ESTIMATE_FIELDS = {f"{prefix}_{bound}" for prefix in ESTIMATES for bound in BOUNDS}

# Fields a history entry does not show: bookkeeping, and what the database derives.
HIDDEN = {
    "id",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
    "search",
    "country_code",
    "admin1_id",
    "admin2_id",
    "incident_id",
    "report_id",
    "version",
}
# A row moved to another incident (a merge, a split) shows the move.
MOVES = {"incident_id", "report_id"}
# Personal only on these models (a source's or an incident's notes are not).
PERSONAL_MODELS = {
    "incidents.Victim": {"name", "notes", "injury"},
    "incidents.Source": {"informant"},
}
ACTIONS = {
    "insert": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}


# Writes made by a merge, a split, their undoing or a restore say so.
OPERATIONS = {
    "merge": gettext_lazy("changed by a merge"),
    "merge_undo": gettext_lazy("changed by undoing a merge"),
    "split": gettext_lazy("changed by a split"),
    "split_undo": gettext_lazy("changed by undoing a split"),
}
RESTORED = gettext_lazy("restored from the history")


def _action_label(label: str, context: dict) -> str:
    action = str(ACTIONS.get(label, label))
    if context.get("restored_from"):
        return f"{action} ({RESTORED})"
    if context.get("operation") in OPERATIONS:
        return f"{action} ({OPERATIONS[context['operation']]})"
    return action


class FieldChange(NamedTuple):
    label: str
    before: object
    after: object
    name: str


@dataclass(frozen=True)
class Change:
    """One recorded write: `event_id` names it for history_restore."""

    event_id: str
    when: datetime
    who: str
    model: str
    object_id: int
    what: str
    action: str  # insert, update or delete
    action_label: str
    changes: list[FieldChange] = field(default_factory=list)
    context: dict = field(default_factory=dict)


HANGING = ("incidents.IncidentActor", "incidents.Claim", "incidents.CivilianHarmReport")


def _ids_ever(event_model, **filters) -> set[int]:
    """Ids of the rows that were ever attached to an incident (deleted ones too)."""
    return set(event_model.objects.filter(**filters).values_list("pgh_obj_id", flat=True))


def _all_events_of(label: str, ids: set[int]) -> list:
    """Every event of these rows (before and after they hung on the incident: a moved row's
    move shows)."""
    if not ids:
        return []
    event_model = apps.get_model(label).pgh_event_model
    pgh_ids = list(event_model.objects.filter(pgh_obj_id__in=ids).values_list("pgh_id", flat=True))
    return list(Events.objects.filter(pgh_model=event_model._meta.label, pgh_id__in=pgh_ids))


def _events(incident: Incident) -> list:
    """The incident's events, and every event of the rows that ever hung on it (participants,
    claims, assessments and their victims, the sources its claims cite), deleted ones too."""
    events = list(Events.objects.references(incident))
    event_of = {label: apps.get_model(label).pgh_event_model for label in HANGING}
    for label in HANGING:
        events += _all_events_of(label, _ids_ever(event_of[label], incident_id=incident.pk))
    sources = set(
        event_of["incidents.Claim"]
        .objects.filter(incident_id=incident.pk)
        .values_list("source_id", flat=True)
    )
    events += _all_events_of("incidents.Source", sources)
    reports = _ids_ever(event_of["incidents.CivilianHarmReport"], incident_id=incident.pk)
    victim_event = apps.get_model("incidents.Victim").pgh_event_model
    events += _all_events_of("incidents.Victim", _ids_ever(victim_event, report_id__in=reports))
    unique = {(e.pgh_model, e.pgh_id): e for e in events}
    return sorted(unique.values(), key=lambda e: (e.pgh_created_at, e.pgh_model, e.pgh_id))


def incident_history(incident: Incident, *, personal: bool = False) -> list[Change]:
    """Every recorded change to an incident and to what hangs on it, oldest first: who made it
    (the user, or the command or task), what it changed from what to what. Victims' names, notes
    and injuries and informants show only with `personal` (the personal-data permission)."""
    events = _events(incident)
    user_ids = {(e.pgh_context or {}).get("user") for e in events} - {None}
    users = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    models = {e.pgh_obj_model: apps.get_model(e.pgh_obj_model) for e in events}
    actor_ids = {
        value
        for e in events
        for name, value in e.pgh_data.items()
        if value is not None and _related_model(models[e.pgh_obj_model], name) is Actor
    }
    actors = dict(Actor.objects.filter(pk__in=actor_ids).values_list("pk", "name"))
    previous: dict[tuple, dict] = {}
    changes = []
    for event in events:
        model = models[event.pgh_obj_model]
        key = (event.pgh_obj_model, event.pgh_obj_id)
        data, before = event.pgh_data, previous.get(key, {})
        previous[key] = data
        diff = []
        if event.pgh_label != "delete":
            for name, value in data.items():
                if name in HIDDEN and not (name in MOVES and event.pgh_label == "update"):
                    continue
                changed = (
                    before.get(name) != value
                    if event.pgh_label == "update"
                    else value not in (None, "", [], {}, False)
                )
                if changed:
                    show = _shower(model, actors, personal)
                    found = _field(model, name)
                    diff.append(
                        FieldChange(
                            _field_label(model, name),
                            show(name, before.get(name)),
                            show(name, value),
                            found.name if found is not None else name,
                        )
                    )
            if event.pgh_label == "update" and not diff:
                continue  # only derived or bookkeeping fields changed
        context = event.pgh_context or {}
        who = (
            users.get(context.get("user"))
            or context.get("command")
            or context.get("task")
            or context.get("service")
            or "?"
        )
        changes.append(
            Change(
                event_id=f"{event.pgh_model}:{event.pgh_id}",
                when=event.pgh_created_at,
                who=str(who),
                model=event.pgh_obj_model,
                object_id=int(event.pgh_obj_id),
                what=f"{model._meta.verbose_name} #{event.pgh_obj_id}",
                action=event.pgh_label,
                action_label=_action_label(event.pgh_label, context),
                changes=diff,
                context=dict(context),
            )
        )
    return changes


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        try:
            return model._meta.get_field(name.removesuffix("_id"))
        except FieldDoesNotExist:
            return None


def _related_model(model, name: str):
    found = _field(model, name)
    return found.related_model if found is not None and found.is_relation else None


def _field_label(model, name: str) -> str:
    found = _field(model, name)
    return str(found.verbose_name) if found is not None else name


def _shower(model, actors: dict, personal: bool):
    hidden = PERSONAL_MODELS.get(model._meta.label, set())

    def show(name: str, value):
        """A recorded value as a reader understands it: choices by their label, actors by name,
        personal data masked unless `personal`."""
        if value in (None, "", [], {}):
            return "—"
        if name in hidden and not personal:
            return "•••"
        found = _field(model, name)
        if found is None:
            return value
        if found.is_relation and found.related_model is Actor:
            return actors.get(value, value)
        if found.is_relation and found.related_model in (Incident, CivilianHarmReport):
            return f"#{value}"
        base = getattr(found, "base_field", None)  # an array of choices
        if base is not None and base.choices and isinstance(value, list):
            labels = dict(base.flatchoices)
            return ", ".join(str(labels.get(v, v)) for v in value)
        if found.choices:
            return dict(found.flatchoices).get(value, value)
        return value

    return show


# --- Restoring ---------------------------------------------------------------------------------


class RestoreError(Exception):
    """A restore is not allowed or not possible; the message says why."""


# Never restored: bookkeeping, what the database derives, and what only the workflow and the
# merge services change.
NOT_RESTORED = {
    "id",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "search",
    "lon",
    "lat",
    "country_code",
    "admin1",
    "admin2",
    "version",
    "status",
    "published_by",
    "published_at",
    "retraction_reason",
    "merged_into",
}
RESTORABLE_MODELS = (
    "incidents.Incident",
    "incidents.IncidentActor",
    "incidents.Source",
    "incidents.Claim",
    "incidents.CivilianHarmReport",
    "incidents.Victim",
)


def restorable_fields(model, *, values: dict | None = None) -> list[str]:
    """The fields an admin may restore on `model` (an incident's estimates only when they were
    set by an editor, `fatalities_override`: otherwise the claims derive them)."""
    names = [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in NOT_RESTORED and not getattr(f, "generated", False)
    ]
    if model is Incident and not (values or {}).get("fatalities_override"):
        names = [n for n in names if n not in ESTIMATE_FIELDS]
    return names


def _event(event_id: str):
    label, _sep, pk = event_id.partition(":")
    if label not in {f"{m}Event" for m in RESTORABLE_MODELS} or not pk.isdigit():
        raise RestoreError(_("No such history entry."))
    event_model = apps.get_model(label)
    try:
        return event_model.objects.get(pgh_id=int(pk))
    except event_model.DoesNotExist:
        raise RestoreError(_("No such history entry.")) from None


@transaction.atomic
def history_restore(event_id: str, *, user, fields: list[str] | None = None):
    """Sets a row back to what the history entry `event_id` recorded (the row as it was right
    after that change): the given `fields`, or every restorable one. A deleted row comes back
    whole, with its id (a restored incident as a draft). Admins only; validated like any save
    (services.record_save), and recorded in the history with the entry it restored."""
    from incidents import services

    if not user.has_perm("incidents.delete_incident"):
        raise RestoreError(_("Only an admin may restore from the history."))
    event = _event(event_id)
    model = event.pgh_tracked_model
    values = {
        f.name: getattr(event, f.attname)
        for f in model._meta.concrete_fields
        if hasattr(event, f.attname)
    }
    allowed = restorable_fields(model, values=values)
    if fields is not None:
        unknown = set(fields) - set(allowed)
        if unknown:
            raise RestoreError(
                _("These fields cannot be restored: %(fields)s.")
                % {"fields": ", ".join(sorted(unknown))}
            )
    chosen = list(fields) if fields is not None else allowed
    obj = model.objects.select_for_update().filter(pk=event.pgh_obj_id).first()
    with pghistory.context(user=user.pk, restored_from=event_id):
        if obj is None:
            obj = _recreated(model, event, values, allowed)
            changed = None
        else:
            changed = [
                name
                for name in chosen
                if _value(obj, model, name) != _value_of(values, model, name)
            ]
            for name in changed:
                attname = model._meta.get_field(name).attname
                setattr(obj, attname, _value_of(values, model, name))
            if not changed:
                return obj
        if isinstance(obj, Attributed):
            services.record_save(obj, user=user, fields=changed)
        else:
            obj.full_clean()
            obj.save(update_fields=changed)
    return obj


def _value(obj, model, name: str):
    return getattr(obj, model._meta.get_field(name).attname)


def _value_of(values: dict, model, name: str):
    return values.get(name)


def _recreated(model, event, values: dict, allowed: list[str]):
    keep = {*allowed, "incident", "report", "source", "actor", "created_by"}
    obj = model(pk=event.pgh_obj_id)
    for name, value in values.items():
        if name in keep:
            setattr(obj, model._meta.get_field(name).attname, value)
    if model is Incident:
        obj.status = Status.DRAFT
    return obj
