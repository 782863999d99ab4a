"""The map's summary per actor: what incidents_mapcell holds, per actor group, so that the map
filtered on an actor (JNIM with its member groups: 40 % of the incidents) is read from the
summary instead of counted on every request.

A group is what the actor filter selects (actors.selectors.actor_group_windows): the actor under
all its names, with or without its member groups while they were members. Each is materialised
as windows (an actor whose incidents dated within [start_date, end_date] count for the group),
actors with the same windows sharing a key (ISGS and ISSP; an actor without member groups, with
or without them). An incident counts once per group however many of its participants belong to
it. Cells are kept exact by statement-level triggers on incidents and participants
(incidents/sql/actorcells.sql); the groups by incidents.services.actor_summary_refresh, which
rebuilds the cells when the relations that define them change. Until it has run, the state's
fingerprint differs from the relations' and the map counts directly. Derived data: no history.
"""

import pgtrigger
from django.db import models
from django.db.models import Q

from incidents.taxonomy import EventType


class ActorGroup(models.Model):
    actor = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+")
    members = models.BooleanField()
    key = models.IntegerField()

    class Meta:
        verbose_name = "actor group (derived)"
        verbose_name_plural = "actor groups (derived)"
        constraints = [
            models.UniqueConstraint(fields=["actor", "members"], name="actor_group_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} (members: {self.members}): group {self.key}"


class ActorGroupWindow(models.Model):
    key = models.IntegerField()
    actor = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        verbose_name = "actor group window (derived)"
        verbose_name_plural = "actor group windows (derived)"
        indexes = [
            models.Index(
                fields=["actor", "start_date", "end_date"],
                include=["key"],
                name="actor_group_window_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"group {self.key}: {self.actor_id} {self.start_date} – {self.end_date}"


class ActorSummaryState(models.Model):
    """One row: the fingerprint of the relations the groups and cells were built from."""

    relations_fingerprint = models.CharField(max_length=64)
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = "actor summary state (derived)"
        verbose_name_plural = "actor summary states (derived)"

    def __str__(self) -> str:
        return f"built {self.built_at:%Y-%m-%d %H:%M} from relations {self.relations_fingerprint}"


# What the per-actor summary keeps: incident counts per event type (in EventType's order) as
# columns rather than a dimension, and fewer periods at the fine levels (per actor, level 11 by
# month would be two million rows for a million incidents): all time at every level, years up
# to level 9, months up to level 7 (the timeline's level 0 included); the admin areas (101,
# 102) at every grain. mapdata.py counts directly what is not kept.
ACTOR_LEVEL_GRAINS = {"all": (0, 3, 5, 7, 9, 11), "year": (0, 3, 5, 7, 9), "month": (0, 3, 5, 7)}
TYPE_COLUMNS = [f"n_{event_type}" for event_type in EventType.values]


class ActorCell(models.Model):
    group_key = models.IntegerField()
    level = models.PositiveSmallIntegerField()
    grain = models.CharField(max_length=5)
    period = models.DateField(help_text="First day of the month or year; 0001-01-01 for all time.")
    cx = models.IntegerField()
    cy = models.IntegerField()
    published = models.BooleanField()
    n = models.IntegerField()
    fatalities = models.BigIntegerField()
    imprecise = models.IntegerField(help_text="Incidents coded to an admin area (geo precision 3).")
    n_battles = models.IntegerField()
    n_explosions_remote_violence = models.IntegerField()
    n_violence_against_civilians = models.IntegerField()
    n_protests = models.IntegerField()
    n_riots = models.IntegerField()
    n_strategic_developments = models.IntegerField()
    sum_lon = models.FloatField()
    sum_lat = models.FloatField()

    class Meta:
        verbose_name = "actor summary cell"
        constraints = [
            models.UniqueConstraint(
                fields=["group_key", "level", "grain", "period", "cx", "cy", "published"],
                name="actorcell_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["group_key", "level", "grain", "cx", "cy", "period"],
                include=[
                    "published",
                    "n",
                    "fatalities",
                    "imprecise",
                    *TYPE_COLUMNS,
                    "sum_lon",
                    "sum_lat",
                ],
                name="actorcell_lookup",
            ),
            models.Index(fields=["id"], condition=Q(n=0), name="actorcell_empty"),
        ]

    def __str__(self) -> str:
        return f"group {self.group_key} level {self.level} ({self.cx}, {self.cy}) {self.period}"


# Declared with the Incident and IncidentActor models; the functions are in
# incidents/sql/actorcells.sql.
INCIDENT_ACTORCELL_TRIGGERS = [
    pgtrigger.Trigger(
        name="incident_actorcells_update",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
        func="PERFORM incidents_actorcells_moved("
        "ARRAY(SELECT incidents_mapfact(o, -1) FROM old_rows o WHERE o.location IS NOT NULL), "
        "ARRAY(SELECT incidents_mapfact(n, 1) FROM new_rows n WHERE n.location IS NOT NULL)); "
        "RETURN NULL;",
    ),
]

PARTICIPANT_ACTORCELL_TRIGGERS = [
    pgtrigger.Trigger(
        name="participant_actorcells_insert",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        referencing=pgtrigger.Referencing(new="new_rows"),
        func="PERFORM incidents_actorcells_regroup("
        "ARRAY(SELECT ROW(incident_id, actor_id)::incidents_participation FROM new_rows), "
        "ARRAY[]::incidents_participation[]); RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="participant_actorcells_delete",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Delete,
        referencing=pgtrigger.Referencing(old="old_rows"),
        func="PERFORM incidents_actorcells_regroup(ARRAY[]::incidents_participation[], "
        "ARRAY(SELECT ROW(incident_id, actor_id)::incidents_participation FROM old_rows)); "
        "RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="participant_actorcells_update",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
        # Only participants moved to another incident or actor (a new note changes nothing).
        func="PERFORM incidents_actorcells_regroup("
        "ARRAY(SELECT ROW(n.incident_id, n.actor_id)::incidents_participation FROM new_rows n "
        "JOIN old_rows o ON o.id = n.id "
        "WHERE (o.incident_id, o.actor_id) IS DISTINCT FROM (n.incident_id, n.actor_id)), "
        "ARRAY(SELECT ROW(o.incident_id, o.actor_id)::incidents_participation FROM old_rows o "
        "JOIN new_rows n ON n.id = o.id "
        "WHERE (o.incident_id, o.actor_id) IS DISTINCT FROM (n.incident_id, n.actor_id))); "
        "RETURN NULL;",
    ),
]
