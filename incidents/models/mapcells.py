"""The map's summary: how many incidents (and fatalities) each grid cell holds, per month, per
year and in all time, event type, visibility, geo precision, country and civilian harm, kept by
the database as incidents and civilian-harm assessments change (incidents/sql/mapcells.sql), so
that the map of a million incidents is read from a few thousand rows instead of counted on every
request. Level 0 is one cell for everything: the timeline's totals. Derived data, rebuilt at will
(incidents_mapcells_rebuild()); no history."""

import pgtrigger
from django.db import models
from django.db.models import Q

# Grid levels and their cell size in degrees (90 / 2^level: about 64 pixels at that map zoom).
LEVELS = {0: 360.0, 3: 11.25, 5: 2.8125, 7: 0.703125, 9: 0.17578125, 11: 0.0439453125}
GRAINS = ("month", "year", "all")  # "all": period 0001-01-01


class MapCell(models.Model):
    level = models.PositiveSmallIntegerField()
    grain = models.CharField(max_length=5)
    period = models.DateField(help_text="First day of the month or year; 0001-01-01 for all time.")
    cx = models.IntegerField()
    cy = models.IntegerField()
    event_type = models.CharField(max_length=40)
    published = models.BooleanField()
    geo_precision = models.PositiveSmallIntegerField()
    country_code = models.CharField(max_length=2)
    civilian_harm = models.BooleanField(
        help_text="Civilians targeted, civilians among the dead, or a civilian-harm assessment."
    )
    n = models.IntegerField()
    fatalities = models.BigIntegerField()
    civilian_targeting = models.IntegerField()
    sum_lon = models.FloatField()
    sum_lat = models.FloatField()

    class Meta:
        verbose_name = "map summary cell"
        # No CHECK on n: an upsert of a negative delta is checked before it meets its row.
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "level",
                    "grain",
                    "period",
                    "cx",
                    "cy",
                    "event_type",
                    "published",
                    "geo_precision",
                    "country_code",
                    "civilian_harm",
                ],
                name="mapcell_key",
            ),
        ]
        indexes = [
            # Covering: a viewport's cells are read from the index alone (the rows of one area
            # lie scattered over the table, written as incidents came in); the periods before
            # the cells, so that a date range reads only its own years and months.
            models.Index(
                fields=["level", "grain", "period", "cx", "cy"],
                include=[
                    "event_type",
                    "published",
                    "geo_precision",
                    "country_code",
                    "civilian_harm",
                    "n",
                    "fatalities",
                    "sum_lon",
                    "sum_lat",
                ],
                name="mapcell_lookup",
            ),
            models.Index(fields=["id"], condition=Q(n=0), name="mapcell_empty"),
        ]

    def __str__(self) -> str:
        return f"level {self.level} cell ({self.cx}, {self.cy}) {self.grain} {self.period}"


# The triggers on incidents_incident that keep the summary (declared with the Incident model):
# statement-level, so a bulk write (COPY, a bulk update) changes each cell once. The functions
# are in incidents/sql/mapcells.sql.
MAPCELL_TRIGGERS = [
    pgtrigger.Trigger(
        name="incident_mapcells_insert",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        referencing=pgtrigger.Referencing(new="new_rows"),
        func="PERFORM incidents_mapcells_add(ARRAY(SELECT incidents_mapfact(n, 1) FROM new_rows n"
        " WHERE n.location IS NOT NULL)); RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="incident_mapcells_delete",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Delete,
        referencing=pgtrigger.Referencing(old="old_rows"),
        func="PERFORM incidents_mapcells_add(ARRAY(SELECT incidents_mapfact(o, -1) FROM old_rows o"
        " WHERE o.location IS NOT NULL)); RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="incident_mapcells_update",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
        func="PERFORM incidents_mapcells_moved("
        "ARRAY(SELECT incidents_mapfact(o, -1) FROM old_rows o WHERE o.location IS NOT NULL), "
        "ARRAY(SELECT incidents_mapfact(n, 1) FROM new_rows n WHERE n.location IS NOT NULL)); "
        "RETURN NULL;",
    ),
]


def _harm_trigger(operation, referencing, changed: str, touched: str, left: str):
    return pgtrigger.Trigger(
        name=f"harm_mapcells_{operation.name.lower()}",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=referencing,
        func=f"PERFORM incidents_mapcells_harm_changed({changed}, {touched}, {left}); RETURN NULL;",
    )


# The triggers on incidents_civilianharmreport (declared with the CivilianHarmReport model): an
# assessment added, removed or moved to another incident may move the incidents in or out of
# "civilian harm".
_WRITTEN = "ARRAY(SELECT id FROM new_rows)"
_NOW_OF = "ARRAY(SELECT incident_id FROM new_rows)"
_BEFORE_OF = "ARRAY(SELECT incident_id FROM old_rows)"
HARM_MAPCELL_TRIGGERS = [
    _harm_trigger(
        pgtrigger.Insert, pgtrigger.Referencing(new="new_rows"), _WRITTEN, _NOW_OF, "'{}'"
    ),
    _harm_trigger(
        pgtrigger.Delete, pgtrigger.Referencing(old="old_rows"), "'{}'", "'{}'", _BEFORE_OF
    ),
    _harm_trigger(
        pgtrigger.Update,
        pgtrigger.Referencing(old="old_rows", new="new_rows"),
        _WRITTEN,
        _NOW_OF,
        _BEFORE_OF,
    ),
]
