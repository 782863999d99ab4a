"""Tombstones: the incidents that left the published set (retracted, withdrawn to review,
deleted, merged into another), with when, so that a partner's copy can drop them
(/api/v1/deleted/). The database keeps them (incidents/sql/sync.sql, triggers declared with the
Incident model): whatever writes the status or deletes the row, the tombstone follows; an
incident published again is no longer a tombstone."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class TombstoneReason(models.TextChoices):
    RETRACTED = "retracted", _("retracted")
    WITHDRAWN = "withdrawn", _("withdrawn from publication for review")
    DELETED = "deleted", _("deleted")
    MERGED = "merged", _("merged into another incident")


class IncidentTombstone(models.Model):
    # Not a foreign key: a deleted incident keeps its tombstone.
    incident_id = models.BigIntegerField(_("incident"), unique=True)
    reason = models.CharField(_("reason"), max_length=10, choices=TombstoneReason.choices)
    deleted_at = models.DateTimeField(_("left the published set at"), db_default=Now())
    # The incident that survives a merge (merging is not built yet: always empty for now).
    merged_into = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("merged into"),
    )

    class Meta:
        verbose_name = _("withdrawn incident")
        verbose_name_plural = _("withdrawn incidents")
        ordering = ["deleted_at", "incident_id"]
        indexes = [models.Index(fields=["deleted_at"], name="tombstone_deleted_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=TombstoneReason.values), name="tombstone_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(reason=TombstoneReason.MERGED),
                name="tombstone_merged_into_only_for_merges",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} ({self.reason})"
