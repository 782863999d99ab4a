"""Database triggers shared by several models (declared with django-pgtrigger, installed by
migrations)."""

import pgtrigger


def touch_updated_at(name: str) -> pgtrigger.Trigger:
    """Sets `updated_at` to now() whenever a row really changes, whoever writes it (ORM, bulk
    update, raw SQL), so incremental sync by `updated_at` never misses a change."""
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        condition=pgtrigger.Condition("OLD.* IS DISTINCT FROM NEW.*"),
        func="NEW.updated_at := now(); RETURN NEW;",
    )


# The transition tables each operation of a statement-level trigger can read.
TRANSITION_TABLES = {
    "insert": (pgtrigger.Insert, {"new": "new_rows"}),
    "update": (pgtrigger.Update, {"old": "old_rows", "new": "new_rows"}),
    "delete": (pgtrigger.Delete, {"old": "old_rows"}),
}


def incident_ids_triggers(prefix: str, ids: dict[str, str], call: str) -> list[pgtrigger.Trigger]:
    """AFTER ... FOR EACH STATEMENT triggers, one per operation (a transition table belongs to
    one operation), that hand the incident ids the statement touched to one function: `ids`
    gives each operation's expression of them over its transition tables, `call` the statement
    with `{ids}` where they go. Named `<prefix>_<operation>`."""
    return [
        pgtrigger.Trigger(
            name=f"{prefix}_{op}",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=TRANSITION_TABLES[op][0],
            referencing=pgtrigger.Referencing(**TRANSITION_TABLES[op][1]),
            func=call.format(ids=expression) + " RETURN NULL;",
        )
        for op, expression in ids.items()
    ]
