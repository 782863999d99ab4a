"""The demo set: incidents coded from public reporting (demo_incidents.json), with their actors,
sources, claims side by side and civilian harm, so that a first run shows a living map.

Loading is idempotent: each incident is keyed by its demo key (origin "demo", external_id), and
only fields that differ from the file are written, so a second load changes nothing.
"""

import json
from datetime import date
from pathlib import Path

import pghistory
from django.contrib.gis.geos import Point
from django.db import transaction
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


def _sync(obj, values: dict) -> bool:
    return bool(save_changed(obj, values))


def _create(model, **values):
    obj = model(**values)
    obj.full_clean()
    obj.save()
    return obj


def _create_or_sync(current, model, values: dict, **keys) -> bool:
    """Creates the record (keys + values) if `current` is None, else syncs its values."""
    if current is None:
        _create(model, **keys, **values)
        return True
    return _sync(current, values)


def _delete_all(stale: list) -> bool:
    for obj in stale:
        obj.delete()
    return bool(stale)


@transaction.atomic
def demo_load(path: Path = DEMO_PATH) -> LoadReport:
    """Creates or updates the demo incidents from `path`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    actors = {a.slug: a for a in Actor.objects.all()}
    report = LoadReport(kind="incident", label="demo incidents", rows=len(data["incidents"]))
    with pghistory.context(command="load_demo"):
        for entry in data["incidents"]:
            created, changed = _upsert_incident(entry, actors)
            report.add("created" if created else "updated" if changed else "unchanged")
    return report


def _actor(actors: dict, slug: str | None) -> Actor | None:
    if slug is None:
        return None
    try:
        return actors[slug]
    except KeyError:
        raise ValueError(
            f"the demo set names actor {slug!r}, which is not loaded "
            f"(run manage.py load_actors first)"
        ) from None


def _upsert_incident(entry: dict, actors: dict) -> tuple[bool, bool]:
    lon, lat = entry["location"]
    values = {
        "title": entry["title"],
        "date_start": date.fromisoformat(entry["date_start"]),
        "date_end": date.fromisoformat(entry["date_end"]),
        "time_precision": entry["time_precision"],
        "location": Point(lon, lat, srid=4326),
        "geo_precision": entry["geo_precision"],
        "location_name": entry["location_name"],
        "event_type": entry["event_type"],
        "sub_event_type": entry["sub_event_type"],
        "civilian_targeting": entry["civilian_targeting"],
        "tags": entry["tags"],
        "narrative": entry["narrative"],
        "status": Status.PUBLISHED,
    }
    incident = Incident.objects.filter(origin=Origin.DEMO, external_id=entry["key"]).first()
    created = incident is None
    if created:
        incident = _create(
            Incident,
            origin=Origin.DEMO,
            external_id=entry["key"],
            published_at=timezone.now(),
            **values,
        )
        changed = True
    else:
        changed = _sync(incident, values)
    changed |= _sync_participants(incident, entry["participants"], actors)
    changed |= _sync_claims(incident, entry["claims"], actors)
    if "civilian_harm" in entry:
        changed |= _sync_harm(incident, entry["civilian_harm"], actors)
    return created, changed


def _sync_participants(incident: Incident, wanted: list[dict], actors: dict) -> bool:
    existing = {(p.actor.slug, p.role): p for p in incident.participants.select_related("actor")}
    changed = False
    for item in wanted:
        values = {
            "claimed_responsibility": item.get("claimed_responsibility", False),
            "note": item.get("note", ""),
        }
        changed |= _create_or_sync(
            existing.pop((item["actor"], item["role"]), None),
            IncidentActor,
            values,
            incident=incident,
            actor=_actor(actors, item["actor"]),
            role=item["role"],
        )
    return _delete_all(list(existing.values())) or changed


def _source_for(spec: dict) -> tuple[Source, bool]:
    values = {
        key: spec.get(key) or ""
        for key in ("kind", "publisher", "title", "url", "language", "reliability", "notes")
    }
    values["published_on"] = (
        date.fromisoformat(spec["published_on"]) if spec.get("published_on") else None
    )
    lookup = (
        {"url": values["url"]}
        if values["url"]
        else {"publisher": values["publisher"], "title": values["title"], "url": ""}
    )
    source = Source.objects.filter(**lookup).first()
    if source is None:
        return _create(Source, **values), True
    return source, _sync(source, values)


def _sync_claims(incident: Incident, wanted: list[dict], actors: dict) -> bool:
    existing = {c.source_id: c for c in incident.claims.all()}
    changed = False
    for item in wanted:
        source, source_changed = _source_for(item["source"])
        changed |= source_changed
        values = {
            "credibility": item["credibility"],
            "fatalities_low": item.get("fatalities_low"),
            "fatalities_best": item.get("fatalities_best"),
            "fatalities_high": item.get("fatalities_high"),
            "claimed_perpetrator": _actor(actors, item.get("claimed_perpetrator")),
            "claims_responsibility": item.get("claims_responsibility", False),
            "perpetrator_text": item.get("perpetrator_text", ""),
            "targets_text": item.get("targets_text", ""),
            "summary": item["summary"],
            "quote": item.get("quote", ""),
        }
        changed |= _create_or_sync(
            existing.pop(source.pk, None), Claim, values, incident=incident, source=source
        )
    return _delete_all(list(existing.values())) or changed


def _sync_harm(incident: Incident, spec: dict, actors: dict) -> bool:
    values = {
        key: value for key, value in spec.items() if key not in {"victims", "alleged_perpetrator"}
    }
    values["alleged_perpetrator"] = _actor(actors, spec.get("alleged_perpetrator"))
    report = CivilianHarmReport.objects.filter(incident=incident).first()
    if report is None:
        report = _create(CivilianHarmReport, incident=incident, **values)
        changed = True
    else:
        changed = _sync(report, values)
    fields = ("name", "age_years", "age_group", "gender", "outcome", "notes")
    wanted = [
        tuple(v.get(f, "" if f in {"name", "notes"} else None) for f in fields)
        for v in spec.get("victims", [])
    ]
    current = [tuple(getattr(v, f) for f in fields) for v in report.victims.order_by("id")]
    if wanted != current:
        report.victims.all().delete()
        for row in wanted:
            _create(Victim, report=report, **dict(zip(fields, row, strict=True)))
        changed = True
    return changed
