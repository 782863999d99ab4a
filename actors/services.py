"""Services that write actors: loading the reference catalogue (idempotent)."""

import calendar
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

from actors.models import (
    Actor,
    ActorAlias,
    ActorKind,
    ActorRelation,
    AliasKind,
    DatePrecision,
    RelationType,
)

CATALOGUE_PATH = Path(__file__).resolve().parent / "reference" / "actors.json"


class CatalogueError(ValueError):
    """The catalogue file is not usable; the message says where."""


@dataclass
class CatalogueLoadReport:
    actors_created: int = 0
    actors_updated: int = 0
    aliases_created: int = 0
    aliases_updated: int = 0
    relations_created: int = 0
    relations_updated: int = 0
    unchanged: int = 0
    rows: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            [
                self.actors_created,
                self.actors_updated,
                self.aliases_created,
                self.aliases_updated,
                self.relations_created,
                self.relations_updated,
            ]
        )

    def __str__(self) -> str:
        return (
            f"actors +{self.actors_created} ~{self.actors_updated}, "
            f"aliases +{self.aliases_created} ~{self.aliases_updated}, "
            f"relations +{self.relations_created} ~{self.relations_updated}, "
            f"{self.unchanged} unchanged"
        )


def parse_partial_date(value: str | None, *, end: bool = False) -> tuple[date | None, str]:
    """'2017-03-02', '2017-03' or '2017' -> (date, precision). A start is the first day of the
    period, an end its last day, so that a period stated by month or year is never shortened."""
    if value in (None, ""):
        return None, DatePrecision.DAY
    parts = str(value).split("-")
    try:
        numbers = [int(p) for p in parts]
        if len(numbers) == 3:
            return date(*numbers), DatePrecision.DAY
        if len(numbers) == 2:
            year, month = numbers
            day = calendar.monthrange(year, month)[1] if end else 1
            return date(year, month, day), DatePrecision.MONTH
        if len(numbers) == 1:
            return (date(numbers[0], 12, 31) if end else date(numbers[0], 1, 1)), DatePrecision.YEAR
    except ValueError:
        pass
    raise CatalogueError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")


def read_catalogue(path: Path = CATALOGUE_PATH) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    if not isinstance(data.get("actors"), list):
        raise CatalogueError(f"{path}: expected an object with an 'actors' list")
    return data


@transaction.atomic
def actor_catalogue_load(data: dict) -> CatalogueLoadReport:
    """Creates or updates the catalogue's actors, aliases and relations, keyed by actor slug,
    alias name and (source, target, type, start). Writes only what differs, so loading the same
    catalogue twice changes nothing. Actors, aliases and relations added by editors are kept."""
    report = CatalogueLoadReport(rows=len(data["actors"]))
    actors: dict[str, Actor] = {}
    for entry in data["actors"]:
        actors[entry["slug"]] = _upsert_actor(entry, report)
    for entry in data.get("relations", []):
        _upsert_relation(entry, actors, report)
    return report


def _save_if_changed(obj, values: dict, report: CatalogueLoadReport, counter: str) -> None:
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if not changed:
        report.unchanged += 1
        return
    for key in changed:
        setattr(obj, key, values[key])
    obj.full_clean()
    obj.save(update_fields=changed)
    setattr(report, counter, getattr(report, counter) + 1)


def _upsert_actor(entry: dict, report: CatalogueLoadReport) -> Actor:
    slug = entry.get("slug") or ""
    if entry.get("kind") not in ActorKind.values:
        raise CatalogueError(f"actor {slug!r}: unknown kind {entry.get('kind')!r}")
    active_from, from_precision = parse_partial_date(entry.get("active_from"))
    active_until, until_precision = parse_partial_date(entry.get("active_until"), end=True)
    values = {
        "name": entry["name"],
        "name_fr": entry.get("name_fr") or "",
        "acronym": entry.get("acronym") or "",
        "kind": entry["kind"],
        "acled_inter": entry.get("acled_inter"),
        "countries": entry.get("countries") or [],
        "active_from": active_from,
        "active_from_precision": from_precision,
        "active_until": active_until,
        "active_until_precision": until_precision,
        "description": entry.get("description") or "",
        "references": entry.get("references") or [],
    }
    actor = Actor.objects.filter(slug=slug).first()
    if actor is None:
        actor = Actor(slug=slug, **values)
        actor.full_clean()
        actor.save()
        report.actors_created += 1
    else:
        _save_if_changed(actor, values, report, "actors_updated")
    existing = {a.name: a for a in actor.aliases.all()}
    for alias in entry.get("aliases") or []:
        kind = alias.get("kind") or AliasKind.NAME
        language = alias.get("language") or "und"
        current = existing.get(alias["name"])
        if current is None:
            new = ActorAlias(actor=actor, name=alias["name"], language=language, kind=kind)
            new.full_clean(exclude=["normalised"])
            new.save()
            report.aliases_created += 1
        else:
            _save_if_changed(
                current, {"language": language, "kind": kind}, report, "aliases_updated"
            )
    return actor


def _upsert_relation(entry: dict, actors: dict[str, Actor], report: CatalogueLoadReport) -> None:
    try:
        source, target = actors[entry["source"]], actors[entry["target"]]
    except KeyError as exc:
        raise CatalogueError(f"relation {entry}: unknown actor {exc}") from exc
    if entry.get("type") not in RelationType.values:
        raise CatalogueError(f"relation {entry}: unknown type {entry.get('type')!r}")
    start, start_precision = parse_partial_date(entry.get("start"))
    end, end_precision = parse_partial_date(entry.get("end"), end=True)
    values = {
        "start_precision": start_precision,
        "end_date": end,
        "end_precision": end_precision,
        "note": entry.get("note") or "",
        "references": entry.get("references") or [],
    }
    relation = ActorRelation.objects.filter(
        source=source, target=target, type=entry["type"], start_date=start
    ).first()
    if relation is None:
        relation = ActorRelation(
            source=source, target=target, type=entry["type"], start_date=start, **values
        )
        relation.full_clean()
        relation.save()
        report.relations_created += 1
    else:
        _save_if_changed(relation, values, report, "relations_updated")
