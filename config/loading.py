"""What every loader shares (actor catalogue, boundaries, gazetteer, demo set): writing only the
fields that changed, and one report of what a load did."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import models

CHANGES = ("created", "updated", "removed")


def save_changed(obj: models.Model, values: dict, *, validate: bool = True) -> list[str]:
    """Sets the fields of `values` that differ from `obj` and saves only those (full_clean first
    unless `validate` is off); returns the names of the fields written, [] when nothing changed.
    Writing nothing for an unchanged record keeps history and `updated_at` to real changes."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(obj, name, values[name])
    if validate:
        obj.full_clean()
    obj.save(update_fields=changed)
    return changed


@dataclass
class LoadReport:
    """Counts of what a load did to each kind of record ("created", "updated", "unchanged",
    "removed", "skipped", …), the rows it read, and warnings worth showing the user.

    The first kind is the main one: `created`, `updated`… read its counts, and the text starts
    with them; the other kinds (named in the plural) follow as "aliases +3 ~1 -0".
    """

    kind: str = "row"
    label: str = ""
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)
    # Informational counts shown in brackets, e.g. areas per country and level.
    breakdown: Counter = field(default_factory=Counter)

    def add(self, action: str, kind: str | None = None, n: int = 1) -> None:
        self.counts[(kind or self.kind, action)] += n

    def count(self, action: str, kind: str | None = None) -> int:
        return self.counts[(kind or self.kind, action)]

    created = property(lambda self: self.count("created"))
    updated = property(lambda self: self.count("updated"))
    unchanged = property(lambda self: self.count("unchanged"))
    removed = property(lambda self: self.count("removed"))
    skipped = property(lambda self: self.count("skipped"))

    @property
    def changed(self) -> bool:
        return any(n for (_, action), n in self.counts.items() if action in CHANGES)

    def __str__(self) -> str:
        text = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed"
        )
        if self.label:
            text = f"{self.label}: {text}"
        for kind in sorted({k for k, _ in self.counts} - {self.kind}):
            c = {a: n for (k, a), n in self.counts.items() if k == kind}
            text += f"; {kind} +{c.get('created', 0)} ~{c.get('updated', 0)} -{c.get('removed', 0)}"
            if c.get("kept"):
                text += f" ({c['kept']} kept as edited)"
        extras = {a: n for (k, a), n in self.counts.items() if k == self.kind}
        for action in sorted(set(extras) - {"created", "updated", "unchanged", "removed"}):
            if extras[action]:
                text += f"; {extras[action]} {action}"
        if self.breakdown:
            text += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(self.breakdown.items())) + ")"
        return text
