"""The demo set: incidents coded in full from public reporting (demo_incidents.json), with their
participants in both conventions, their sources and conflicting claims side by side, and civilian
harm assessments with victim records, so that a first run shows what the model holds.

Loading is idempotent: sources are keyed by URL (or publisher and title), incidents by their demo
key (origin "demo", origin_key), and only fields that differ from the file are written, so a
second load changes nothing. Records the file no longer lists are removed from the demo incidents.
"""

import json
from datetime import date
from pathlib import Path

import pghistory
from django.contrib.gis.geos import Point
from django.db import models, transaction
from django.utils import timezone

from actors.models import Actor
from config.loading import LoadReport, save_changed
from incidents.models import (
    CivilianHarmReport,
    Claim,
    Incident,
    IncidentActor,
    Origin,
    Source,
    Status,
    Victim,
)

DEMO_PATH = Path(__file__).resolve().parent / "demo_incidents.json"

INCIDENT_FIELDS = (
    "title",
    "time_precision",
    "ucdp_date_prec",
    "geo_precision",
    "ucdp_where_prec",
    "location_name",
    "event_type",
    "sub_event_type",
    "civilian_targeting",
    "ucdp_violence_type",
    "tags",
    "narrative",
)
SOURCE_FIELDS = (
    "kind",
    "publisher",
    "title",
    "url",
    "language",
    "published_on_precision",
    "reliability",
    "notes",
    "informant",
)
PARTICIPANT_FIELDS = ("acled_inter", "initiator", "claimed_responsibility", "note")
VICTIM_FIELDS = (
    "age_years",
    "age_months",
    "age_approximate",
    "age_group",
    "sex",
    "status",
    "death_or_treatment_date",
    "death_or_treatment_date_end",
    "death_or_treatment_place",
    "injury",
    "notes",
    "name",
)


class DemoDataError(ValueError):
    """The demo file does not fit the model; the message says where."""


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _values(model: type[models.Model], spec: dict, names, **extra) -> dict:
    """The values of `names` in `spec`, with the model field's empty value where absent."""
    values = {}
    for name in names:
        field = model._meta.get_field(name)
        value = spec.get(name)
        if value is None:
            value = None if field.null else field.get_default()
        elif isinstance(field, models.DateField):
            value = _date(value)
        values[name] = value
    return {**values, **extra}


def _create(model, **values):
    obj = model(**values)
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def demo_load(path: Path = DEMO_PATH) -> LoadReport:
    """Creates or updates the demo incidents from `path`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    loader = _DemoLoader({a.slug: a for a in Actor.objects.all()})
    report = LoadReport(kind="incident", label="demo incidents", rows=len(data["incidents"]))
    with pghistory.context(command="load_demo"):
        sources = {spec["key"]: loader.source(spec, report) for spec in data.get("sources", [])}
        for entry in data["incidents"]:
            created, changed = loader.incident(entry, sources)
            report.add("created" if created else "updated" if changed else "unchanged")
    return report


class _DemoLoader:
    def __init__(self, actors: dict[str, Actor]):
        self.actors = actors

    def actor(self, slug: str | None) -> Actor | None:
        if slug is None:
            return None
        try:
            return self.actors[slug]
        except KeyError:
            raise DemoDataError(
                f"the demo set names actor {slug!r}, which is not loaded "
                f"(run manage.py load_actors first)"
            ) from None

    def source(self, spec: dict, report: LoadReport) -> Source:
        values = _values(Source, spec, SOURCE_FIELDS, published_on=_date(spec.get("published_on")))
        lookup = (
            {"url": values["url"]}
            if values["url"]
            else {"publisher": values["publisher"], "title": values["title"], "url": ""}
        )
        source = Source.objects.filter(**lookup).first()
        if source is None:
            report.add("created", "sources")
            return _create(Source, **values)
        report.add("updated" if save_changed(source, values) else "unchanged", "sources")
        return source

    def incident(self, entry: dict, sources: dict[str, Source]) -> tuple[bool, bool]:
        lon, lat = entry["location"]
        values = _values(
            Incident,
            entry,
            INCIDENT_FIELDS,
            date_start=_date(entry["date_start"]),
            date_end=_date(entry["date_end"]),
            location=Point(lon, lat, srid=4326),
            status=Status.PUBLISHED,
        )
        incident = Incident.objects.filter(origin=Origin.DEMO, origin_key=entry["key"]).first()
        created = incident is None
        if created:
            incident = _create(
                Incident,
                origin=Origin.DEMO,
                origin_key=entry["key"],
                published_at=timezone.now(),
                **values,
            )
            changed = True
        else:
            changed = bool(save_changed(incident, values))
        changed |= self.participants(incident, entry.get("participants", []))
        changed |= self.claims(incident, entry.get("claims", []), sources)
        changed |= self.harm(incident, entry.get("harm_assessments", []), sources)
        return created, changed

    def participants(self, incident: Incident, wanted: list[dict]) -> bool:
        existing = {
            (p.actor.slug, p.acled_position, p.ucdp_side): p
            for p in incident.participants.select_related("actor")
        }
        changed = False
        for sequence, item in enumerate(wanted):
            key = (item["actor"], item.get("acled_position", ""), item.get("ucdp_side", ""))
            values = _values(IncidentActor, item, PARTICIPANT_FIELDS, sequence=sequence)
            current = existing.pop(key, None)
            if current is None:
                _create(
                    IncidentActor,
                    incident=incident,
                    actor=self.actor(item["actor"]),
                    acled_position=key[1],
                    ucdp_side=key[2],
                    **values,
                )
                changed = True
            else:
                changed |= bool(save_changed(current, values))
        return _delete_all(existing.values()) or changed

    def claims(self, incident: Incident, wanted: list[dict], sources: dict[str, Source]) -> bool:
        existing = {c.source_id: c for c in incident.claims.all()}
        names = [
            f.name
            for f in Claim._meta.concrete_fields
            if f.editable and f.name not in {"id", "incident", "source", "claimed_perpetrator"}
        ]
        changed = False
        for item in wanted:
            source = sources[item["source"]]
            values = _values(
                Claim,
                item,
                names,
                claimed_perpetrator=self.actor(item.get("claimed_perpetrator")),
            )
            current = existing.pop(source.pk, None)
            if current is None:
                _create(Claim, incident=incident, source=source, **values)
                changed = True
            else:
                changed |= bool(save_changed(current, values))
        return _delete_all(existing.values()) or changed

    def harm(self, incident: Incident, wanted: list[dict], sources: dict[str, Source]) -> bool:
        existing = {(a.source_id, a.assessor): a for a in incident.harm_assessments.all()}
        names = [
            f.name
            for f in CivilianHarmReport._meta.concrete_fields
            if f.editable
            and f.name not in {"id", "incident", "source", "alleged_perpetrator", "assessed_on"}
        ]
        changed = False
        for item in wanted:
            source = sources[item["source"]] if item.get("source") else None
            values = _values(
                CivilianHarmReport,
                item,
                names,
                alleged_perpetrator=self.actor(item.get("alleged_perpetrator")),
                assessed_on=_date(item.get("assessed_on")),
            )
            current = existing.pop((source.pk if source else None, values["assessor"]), None)
            if current is None:
                current = _create(CivilianHarmReport, incident=incident, source=source, **values)
                changed = True
            else:
                changed |= bool(save_changed(current, values))
            changed |= self.victims(current, item.get("victims", []))
        return _delete_all(existing.values()) or changed

    def victims(self, assessment: CivilianHarmReport, wanted: list[dict]) -> bool:
        rows = [_values(Victim, v, VICTIM_FIELDS) for v in wanted]
        current = [
            {name: getattr(v, name) for name in VICTIM_FIELDS}
            for v in assessment.victims.order_by("id")
        ]
        if rows == current:
            return False
        assessment.victims.all().delete()
        for row in rows:
            _create(Victim, report=assessment, **row)
        return True


def _delete_all(stale) -> bool:
    stale = list(stale)
    for obj in stale:
        obj.delete()
    return bool(stale)
