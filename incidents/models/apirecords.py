"""The API's per-incident summary: what a record needs from other tables (the participants'
names by role and as a JSON list, the claims summarised, the number of harm assessments, the
ACLED and UCDP ids), one row per incident, kept exact by the database through statement-level
triggers on every table it reads (incidents/sql/apirecords.sql). A page or a full download then
reads one row by key per incident instead of aggregating participants, actors, claims and
sources for each: the CSV download's largest cost. Derived data, no history; an incident without
a row has no participants, claims or dataset records (the API reads the defaults)."""

from django.db import models


class ApiRecord(models.Model):
    # No foreign key: the incidents' delete trigger removes the row, after Django has deleted
    # the incident's participants (whose triggers build the row again meanwhile).
    incident = models.OneToOneField(
        "incidents.Incident",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor1 = models.TextField()
    assoc_actor_1 = models.TextField()
    actor2 = models.TextField()
    assoc_actor_2 = models.TextField()
    side_a = models.TextField()
    side_b = models.TextField()
    initiators = models.TextField()
    claimed_by = models.TextField()
    actors = models.TextField(help_text="The participants as the API's JSON list (json text).")
    claims_count = models.IntegerField()
    source_count = models.IntegerField()
    claims_summary = models.TextField(
        help_text="Confidential publishers as chr(1): the API puts the caller's label there."
    )
    claims_summary_named = models.TextField()
    harm_assessments = models.IntegerField()
    acled_event_ids = models.TextField()
    ucdp_ged_ids = models.TextField()

    class Meta:
        verbose_name = "API record summary"
        verbose_name_plural = "API record summaries"

    def __str__(self) -> str:
        return f"API record of incident {self.incident_id}"
