"""Selectors: the functions that read incidents. Querysets are shaped here, once."""

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from pghistory.models import Events

from actors.models import Actor, ActorKind
from incidents.geo.countries import COUNTRIES, SAHEL_COUNTRIES
from incidents.geo.models import AdminArea
from incidents.models import (
    CivilianHarmReport,
    Claim,
    GeoPrecision,
    Incident,
    IncidentActor,
    Status,
)
from incidents.taxonomy import EventType, SubEventType, sub_event_types_of


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Published incidents for everyone allowed to read; every status for those who edit."""
    if not user.is_authenticated or not user.has_perm("incidents.view_incident"):
        return Incident.objects.none()
    if user.has_perm("incidents.change_incident"):
        return Incident.objects.all()
    return Incident.objects.filter(status=Status.PUBLISHED)


def incident_detail(user, pk: int) -> Incident:
    """One incident with its participants, claims (most reliable first), civilian-harm
    assessments with their victims, and its ACLED and UCDP records."""
    return (
        incidents_visible_to(user)
        .select_related("admin1", "admin2", "place", "created_by", "published_by")
        .prefetch_related(
            Prefetch(
                "participants",
                IncidentActor.objects.select_related("actor").order_by(
                    "acled_position", "sequence", "id"
                ),
            ),
            Prefetch(
                "claims",
                Claim.objects.select_related("source", "claimed_perpetrator").order_by(
                    "source__reliability", "credibility", "id"
                ),
            ),
            Prefetch(
                "harm_assessments",
                CivilianHarmReport.objects.select_related(
                    "source", "alleged_perpetrator"
                ).prefetch_related("victims"),
            ),
            "acled_events",
            "ucdp_events",
        )
        .get(pk=pk)
    )


def incident_popup(user, pk: int) -> dict:
    """What a map popup shows of one incident the user may see: when (with its precision),
    what, who (with their roles in both conventions), how many died (low / best / high), where
    as reported (with its precision and the admin area it is drawn as)."""
    incident = (
        incidents_visible_to(user)
        .select_related("admin1", "admin2")
        .prefetch_related(
            Prefetch(
                "participants",
                IncidentActor.objects.select_related("actor").order_by(
                    "acled_position", "sequence", "id"
                ),
            )
        )
        .get(pk=pk)
    )
    area = incident.admin2 or incident.admin1
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": incident.status,
        "status_label": incident.get_status_display(),
        "synthetic": incident.origin == "synthetic",
        "date_start": incident.date_start.isoformat(),
        "date_end": incident.date_end.isoformat(),
        "time_precision": incident.get_time_precision_display(),
        "event_type": incident.event_type,
        "event_type_label": incident.get_event_type_display(),
        "sub_event_type_label": incident.get_sub_event_type_display(),
        "actors": [
            {
                "name": p.actor.name,
                "acled_position": p.get_acled_position_display(),
                "ucdp_side": p.get_ucdp_side_display(),
                "claimed_responsibility": p.claimed_responsibility,
            }
            for p in incident.participants.all()
        ],
        "fatalities": list(incident.estimate("fatalities")),
        "location_name": incident.location_name,
        "geo_precision": incident.geo_precision,
        "geo_precision_label": incident.get_geo_precision_display(),
        "area": {"id": area.pk, "level": area.level, "name": area.name_en} if area else None,
    }


def incidents_for_list(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """The list's columns, in as few queries as a page needs."""
    return queryset.select_related("admin1", "admin2").only(
        "id",
        "title",
        "date_start",
        "date_end",
        "time_precision",
        "event_type",
        "sub_event_type",
        "location_name",
        "geo_precision",
        "country_code",
        "fatalities_low",
        "fatalities_best",
        "fatalities_high",
        "status",
        "origin",
        "admin1__name_en",
        "admin1__name_fr",
        "admin2__name_en",
        "admin2__name_fr",
    )


def filter_options() -> dict:
    """What the filter panels offer: event types with their sub-event types, actors, kinds of
    actor, countries, regions and precision codes, in the page's language."""
    language = get_language() or "en"
    french = language.startswith("fr")
    return {
        "event_types": [
            (e.value, e.label, [(s, SubEventType(s).label) for s in sub_event_types_of(e.value)])
            for e in EventType
        ],
        "actors": [
            {"slug": slug, "label": f"{name} ({acronym})" if acronym else name}
            for slug, name, acronym in Actor.objects.filter(fighting_party=True)
            .order_by("name")
            .values_list("slug", "name_fr" if french else "name", "acronym")
        ],
        "actor_kinds": ActorKind.choices,
        "countries": [
            (code, COUNTRIES[code].name_fr if french else COUNTRIES[code].name_en)
            for code in SAHEL_COUNTRIES
        ],
        "admin1_areas": [
            {"id": pk, "country_code": cc, "name": name_fr if french else name_en}
            for pk, cc, name_en, name_fr in AdminArea.objects.filter(
                level=1, country_code__in=SAHEL_COUNTRIES
            )
            .order_by("country_code", "name_en")
            .values_list("id", "country_code", "name_en", "name_fr")
        ],
        "admin2_areas": [
            {"id": pk, "admin1": parent, "name": name_fr if french else name_en}
            for pk, parent, name_en, name_fr in AdminArea.objects.filter(
                level=2, country_code__in=SAHEL_COUNTRIES
            )
            .order_by("name_en")
            .values_list("id", "parent_id", "name_en", "name_fr")
        ],
        "geo_precisions": GeoPrecision.choices,
    }


# Fields a history entry does not show: bookkeeping, and what the database derives.
HISTORY_HIDDEN = {
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
}
PERSONAL_FIELDS = {"name", "notes", "injury", "informant"}


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    what: str
    action: str  # insert, update or delete
    action_label: str
    changes: list[tuple[str, object, object]]


HISTORY_ACTIONS = {"insert": _("created"), "update": _("changed"), "delete": _("deleted")}


def incident_history(incident: Incident, *, personal: bool) -> list[HistoryEntry]:
    """Every recorded change to an incident and to what hangs on it (participants, claims,
    civilian-harm assessments and their victims, ACLED and UCDP records), oldest first: who made
    it (the user, or the command or task), what it changed from what to what. Victims' names,
    notes and injuries and informants show only with `personal`."""
    reports = CivilianHarmReport.objects.filter(incident=incident)
    events = list(Events.objects.references(incident))
    if reports.exists():
        events += list(Events.objects.references(reports).filter(pgh_model="incidents.VictimEvent"))
    events.sort(key=lambda e: (e.pgh_created_at, e.pgh_id))
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
    entries = []
    for event in events:
        model = models[event.pgh_obj_model]
        key = (event.pgh_obj_model, event.pgh_obj_id)
        data, before = event.pgh_data, previous.get(key, {})
        previous[key] = data
        changes = []
        if event.pgh_label != "delete":
            for name, value in data.items():
                if name in HISTORY_HIDDEN:
                    continue
                changed = (
                    before.get(name) != value
                    if event.pgh_label == "update"
                    else (value not in (None, "", [], {}, False))
                )
                if changed:
                    changes.append(
                        (
                            _field_label(model, name),
                            _shown(model, name, before.get(name), actors, personal),
                            _shown(model, name, value, actors, personal),
                        )
                    )
            if event.pgh_label == "update" and not changes:
                continue  # only derived or bookkeeping fields changed
        context = event.pgh_context or {}
        who = (
            users.get(context.get("user"))
            or context.get("command")
            or context.get("task")
            or context.get("service")
            or "?"
        )
        entries.append(
            HistoryEntry(
                when=event.pgh_created_at,
                who=str(who),
                what=f"{model._meta.verbose_name} #{event.pgh_obj_id}",
                action=event.pgh_label,
                action_label=str(HISTORY_ACTIONS.get(event.pgh_label, event.pgh_label)),
                changes=changes,
            )
        )
    return entries


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        try:
            return model._meta.get_field(name.removesuffix("_id"))
        except FieldDoesNotExist:
            return None


def _related_model(model, name: str):
    field = _field(model, name)
    return field.related_model if field is not None and field.is_relation else None


def _field_label(model, name: str) -> str:
    field = _field(model, name)
    return str(field.verbose_name) if field is not None else name


def _shown(model, name: str, value, actors: dict, personal: bool):
    """A recorded value as a reader understands it: choices by their label, actors by name,
    personal data masked unless `personal`."""
    if value in (None, "", [], {}):
        return "—"
    if name in PERSONAL_FIELDS and not personal:
        return "•••"
    field = _field(model, name)
    if field is None:
        return value
    if field.is_relation and field.related_model is Actor:
        return actors.get(value, value)
    base = getattr(field, "base_field", None)  # an array of choices
    if base is not None and base.choices and isinstance(value, list):
        labels = dict(base.flatchoices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value
