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
