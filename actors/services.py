"""Services that write actors: loading the reference catalogue (idempotent), and the editors'
writes of actors, their aliases and relations (validated, attributed in the history)."""

import calendar
import json
from datetime import date
from pathlib import Path

import pghistory
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actors.models import (
    CATALOGUE_LOAD_SETTING,
    Actor,
    ActorAlias,
    ActorKind,
    ActorPresence,
    ActorRelation,
    AliasKind,
    DatePrecision,
    RelationType,
)
from actors.selectors import actors_matching_name
from config.loading import LoadReport, save_changed

CATALOGUE_PATH = Path(__file__).resolve().parent / "reference" / "actors.json"


class CatalogueError(ValueError):
    """The catalogue file is not usable; the message says where."""


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
def actor_catalogue_load(data: dict) -> LoadReport:
    """Creates or updates the catalogue's actors, their aliases and presences, and the relations,
    keyed by actor slug, alias name, (country, start) and (source, target, type, start). Writes
    only what differs, so loading the same catalogue twice changes nothing. Aliases, presences and
    relations that the catalogue no longer lists are removed; those added by editors are kept.
    A catalogue row that anyone changed since (an editor on the site's pages, an admin) is the
    editors' own (the database clears its `catalogue` flag: models.catalogue_edited): it is
    neither updated nor removed, and the report counts it as kept. An alias, presence or relation
    that a person deleted (in the history: deleted by a user, not by a load) is not brought back
    either, and is counted as kept too."""
    report = LoadReport(kind="actor", label="actors", rows=len(data["actors"]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [CATALOGUE_LOAD_SETTING])
    try:
        deleted = {
            "aliases": _deleted_by_people(ActorAlias, "actor_id", "name"),
            "presences": _deleted_by_people(
                ActorPresence, "actor_id", "country_code", "start_date"
            ),
            "relations": _deleted_by_people(
                ActorRelation, "source_id", "target_id", "type", "start_date"
            ),
        }
        with pghistory.context(catalogue_load=True):
            actors: dict[str, Actor] = {}
            for entry in data["actors"]:
                actor = actors[entry["slug"]] = _upsert_actor(entry, report)
                _sync_aliases(actor, entry.get("aliases") or [], report, deleted["aliases"])
                _sync_presences(actor, entry.get("presence") or [], report, deleted["presences"])
            kept = {
                _upsert_relation(entry, actors, report, deleted["relations"])
                for entry in data.get("relations", [])
            }
            stale = ActorRelation.objects.filter(catalogue=True).exclude(pk__in=kept)
            report.add("removed", "relations", n=stale.count())
            stale.delete()
    finally:
        # Off again for whatever else the surrounding transaction writes.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', true)", [CATALOGUE_LOAD_SETTING])
    return report


def _deleted_by_people(model, *key: str) -> set[tuple]:
    """The keys of the rows of `model` that a person deleted (an editor on the site's pages, an
    admin): its history's delete events attributed to a user, outside a catalogue load."""
    events = model.pgh_event_model.objects.filter(
        pgh_label="delete", pgh_context__metadata__has_key="user"
    ).exclude(pgh_context__metadata__has_key="catalogue_load")
    return set(events.values_list(*key))


def _save_if_changed(obj, values: dict, report: LoadReport, kind: str) -> None:
    if not obj.catalogue:  # changed by editors since the catalogue wrote it, or theirs
        report.add("kept", kind)
        return
    report.add("updated" if save_changed(obj, values) else "unchanged", kind)


def _create(obj, report: LoadReport, kind: str, exclude=()) -> None:
    obj.full_clean(exclude=list(exclude))
    obj.save()
    report.add("created", kind)


def _upsert_actor(entry: dict, report: LoadReport) -> Actor:
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
        "fighting_party": entry.get("fighting_party", True),
        "description": entry.get("description") or "",
        "references": entry.get("references") or [],
        "catalogue": True,
    }
    actor = Actor.objects.filter(slug=slug).first()
    if actor is None:
        actor = Actor(slug=slug, **values)
        _create(actor, report, "actor")
    else:
        _save_if_changed(actor, values, report, "actor")
    return actor


def _sync_aliases(
    actor: Actor, entries: list[dict], report: LoadReport, deleted: set[tuple]
) -> None:
    existing = {a.name: a for a in actor.aliases.all()}
    for alias in entries:
        valid_from, from_precision = parse_partial_date(alias.get("valid_from"))
        valid_until, until_precision = parse_partial_date(alias.get("valid_until"), end=True)
        values = {
            "language": alias.get("language") or "und",
            "kind": alias.get("kind") or AliasKind.NAME,
            "valid_from": valid_from,
            "valid_from_precision": from_precision,
            "valid_until": valid_until,
            "valid_until_precision": until_precision,
            "catalogue": True,
        }
        current = existing.pop(alias["name"], None)
        if current is None and (actor.pk, alias["name"]) in deleted:
            report.add("kept", "aliases")  # deleted by a person: not brought back
        elif current is None:
            _create(
                ActorAlias(actor=actor, name=alias["name"], **values),
                report,
                "aliases",
                exclude=["normalised"],
            )
        else:
            _save_if_changed(current, values, report, "aliases")
    stale = [a for a in existing.values() if a.catalogue]
    for alias in stale:
        alias.delete()
    report.add("removed", "aliases", n=len(stale))


def _sync_presences(
    actor: Actor, entries: list[dict], report: LoadReport, deleted: set[tuple]
) -> None:
    existing = {(p.country_code, p.start_date): p for p in actor.presences.all()}
    for entry in entries:
        start, start_precision = parse_partial_date(entry.get("start"))
        end, end_precision = parse_partial_date(entry.get("end"), end=True)
        values = {
            "start_precision": start_precision,
            "end_date": end,
            "end_precision": end_precision,
            "note": entry.get("note") or "",
            "references": entry.get("references") or [],
            "catalogue": True,
        }
        current = existing.pop((entry["country"], start), None)
        if current is None and (actor.pk, entry["country"], start) in deleted:
            report.add("kept", "presences")  # deleted by a person: not brought back
        elif current is None:
            presence = ActorPresence(
                actor=actor, country_code=entry["country"], start_date=start, **values
            )
            _create(presence, report, "presences")
        else:
            _save_if_changed(current, values, report, "presences")
    stale = [p for p in existing.values() if p.catalogue]
    for presence in stale:
        presence.delete()
    report.add("removed", "presences", n=len(stale))


def _upsert_relation(
    entry: dict, actors: dict[str, Actor], report: LoadReport, deleted: set[tuple]
) -> int | None:
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
        "countries": entry.get("countries") or [],
        "note": entry.get("note") or "",
        "references": entry.get("references") or [],
        "catalogue": True,
    }
    relation = ActorRelation.objects.filter(
        source=source, target=target, type=entry["type"], start_date=start
    ).first()
    if relation is None and (source.pk, target.pk, entry["type"], start) in deleted:
        report.add("kept", "relations")  # deleted by a person: not brought back
        return None
    if relation is None:
        relation = ActorRelation(
            source=source, target=target, type=entry["type"], start_date=start, **values
        )
        _create(relation, report, "relations")
    else:
        _save_if_changed(relation, values, report, "relations")
    return relation.pk


def actor_resolve_or_create(
    name: str, *, on: date | None, kind: str, alias_kind: str, note: str
) -> Actor:
    """The actor a dataset's name means on `on` (by any alias valid then); when no alias
    matches, a new actor under that name, with the name as its alias and `note` saying where it
    came from, for an editor to merge or complete. Raises CatalogueError when the name is
    ambiguous (it means several actors then)."""
    found = list(actors_matching_name(name, on=on)[:2])
    if len(found) == 1:
        return found[0]
    if found:
        raise CatalogueError(f"the actor name {name!r} matches several actors on {on}")
    base = slugify(name)[:70] or "actor"
    slug, n = base, 1
    while Actor.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    actor = Actor(slug=slug, name=name[:200], kind=kind, description=note)
    actor.full_clean()
    actor.save()
    alias = ActorAlias(actor=actor, name=name[:250], kind=alias_kind)
    alias.full_clean(exclude=["normalised"])
    alias.save()
    return actor


# --- Editors' writes: actors, their aliases and relations ---------------------------------------

EDIT_PERMISSION = "actors.change_actor"
# Slugs the actor pages' own URLs use (/actors/new/).
RESERVED_SLUGS = {"new"}


class ActorPermissionError(PermissionDenied):
    """The user may not edit actors."""


def _editor_id(user) -> int:
    if user is None or not user.is_authenticated or not user.has_perm(EDIT_PERMISSION):
        raise ActorPermissionError(_("Only editors may create or change actors."))
    return user.pk


def _saved(obj, user_id: int, fields: list[str] | None = None, exclude=()):
    obj.full_clean(exclude=list(exclude))
    with pghistory.context(user=user_id):
        obj.save(update_fields=fields) if fields else obj.save()
    return obj


def _changed(obj, fields: dict) -> list[str]:
    names = [name for name, value in fields.items() if getattr(obj, name) != value]
    for name in names:
        setattr(obj, name, fields[name])
    return [obj._meta.get_field(n.removesuffix("_id")).name for n in names]


def actor_slug(name: str) -> str:
    """A free slug for a new actor named `name`."""
    base = slugify(name)[:70] or "actor"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Actor.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def actor_create(*, user, **fields) -> Actor:
    """A new actor, by an editor: its name (and acronym) become its first aliases, so that the
    registry's searches find it; validated (the database's rules), recorded in the history
    with the user."""
    user_id = _editor_id(user)
    actor = Actor(**fields)
    if not actor.slug:
        actor.slug = actor_slug(actor.name)
    _saved(actor, user_id)
    names = [(actor.name, AliasKind.NAME), (actor.acronym, AliasKind.ACRONYM)]
    for name, kind in names:
        if name and not actor.aliases.filter(name=name).exists():
            _saved(ActorAlias(actor=actor, name=name, kind=kind), user_id, exclude=["normalised"])
    return actor


@transaction.atomic
def actor_update(actor_id: int, *, user, **fields) -> Actor:
    """Changes the given fields of an actor; writes nothing when nothing differs."""
    user_id = _editor_id(user)
    actor = Actor.objects.select_for_update().get(pk=actor_id)
    changed = _changed(actor, fields)
    if changed:
        _saved(actor, user_id, changed)
    return actor


@transaction.atomic
def alias_create(*, user, actor_id: int, **fields) -> ActorAlias:
    """A name the actor is (or was, between the given dates) known by, with its sources."""
    user_id = _editor_id(user)
    return _saved(ActorAlias(actor_id=actor_id, **fields), user_id, exclude=["normalised"])


@transaction.atomic
def alias_update(alias_id: int, *, user, **fields) -> ActorAlias:
    user_id = _editor_id(user)
    alias = ActorAlias.objects.select_for_update().get(pk=alias_id)
    changed = _changed(alias, fields)
    if changed:
        _saved(alias, user_id, changed, exclude=["normalised"])
    return alias


@transaction.atomic
def alias_delete(alias_id: int, *, user) -> None:
    user_id = _editor_id(user)
    with pghistory.context(user=user_id):
        ActorAlias.objects.filter(pk=alias_id).delete()


@transaction.atomic
def relation_create(*, user, source_id: int, **fields) -> ActorRelation:
    """A dated relation (`source` is member of / renamed to / allied with ... `target`), with
    the sources that establish it. The map's per-actor summary follows within minutes
    (Celery beat runs incidents.services.actor_summary_refresh)."""
    user_id = _editor_id(user)
    return _saved(ActorRelation(source_id=source_id, **fields), user_id)


@transaction.atomic
def relation_update(relation_id: int, *, user, **fields) -> ActorRelation:
    user_id = _editor_id(user)
    relation = ActorRelation.objects.select_for_update().get(pk=relation_id)
    changed = _changed(relation, fields)
    if changed:
        _saved(relation, user_id, changed)
    return relation


@transaction.atomic
def relation_delete(relation_id: int, *, user) -> None:
    user_id = _editor_id(user)
    with pghistory.context(user=user_id):
        ActorRelation.objects.filter(pk=relation_id).delete()
