"""The incident's workflow log besides its own status: reviewers' comments (a send-back says
why), retractions with their reason, and merges and splits with what moved, so that an admin can
undo them exactly (services.incident_merge_undo, incident_split_undo). Each row is written by the
services; the rows a merge or split moves are in the history too, with the operation in their
context. The log itself is never edited (an undo only sets undone_by/at), so it has no history
table."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class CommentKind(models.TextChoices):
    SEND_BACK = "send_back", _("sent back to the editor")
    NOTE = "note", _("note")
    RETRACTION = "retraction", _("retracted")
    MERGE = "merge", _("merge")
    SPLIT = "split", _("split")


OPERATIONS = (CommentKind.MERGE, CommentKind.SPLIT)


class ReviewComment(models.Model):
    """One entry of an incident's workflow log. For a merge, `incident` is the survivor and
    `details["other"]` the merged incident; for a split, `incident` is the original and
    `details["other"]` the new one (deleted by an undo: kept here as an id)."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="review_comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written at"), db_default=Now(), editable=False)
    kind = models.CharField(
        _("kind"), max_length=20, choices=CommentKind.choices, default=CommentKind.NOTE
    )
    text = models.TextField(_("comment"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("undone by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["incident", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CommentKind.values), name="review_comment_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="review_comment_not_empty"),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True)
                | Q(undone_by__isnull=False, kind__in=[k.value for k in OPERATIONS]),
                name="review_comment_only_operations_undone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.incident_id}"

    @property
    def other_id(self) -> int | None:
        return self.details.get("other")
