"""What ingestion stores: the sources it reads (feeds, pasted text, files, dataset exports) and
each raw report it received, kept once with the bytes fetched and their SHA-256 (the evidence
survives the page's deletion), what was extracted, geocoded and matched, and where it went.

The database says "once": a report is unique by its normalised URL (when it has one) and by the
hash of its content, so two workers, a retry or a second poll can never store it twice."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from config.triggers import touch_updated_at
from incidents.models.sources import Reliability, SourceKind, WebAddressField


class IngestSourceKind(models.TextChoices):
    FEED = "feed", _("RSS or Atom feed")
    JSON_FEED = "json_feed", _("JSON feed")
    PASTED = "pasted", _("pasted text")
    UPLOAD = "upload", _("uploaded file")
    UCDP_CSV = "ucdp_csv", _("UCDP GED CSV export")
    ACLED_CSV = "acled_csv", _("ACLED CSV export")


# The kinds that Celery beat polls over HTTP.
POLLED_KINDS = (IngestSourceKind.FEED, IngestSourceKind.JSON_FEED)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class IngestSource(models.Model):
    """Where reports come from. Feeds are polled on their own interval with conditional requests
    (the ETag and Last-Modified of the last answer are kept); the rest are fed by hand."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=IngestSourceKind.choices)
    url = WebAddressField(_("URL"), max_length=1000, blank=True)
    publisher = models.CharField(
        _("publisher"),
        max_length=200,
        blank=True,
        help_text=_("Who publishes the reports (the sources' publisher); the name if empty."),
    )
    source_kind = models.CharField(
        _("kind of the reports"),
        max_length=30,
        choices=SourceKind.choices,
        default=SourceKind.NEWS_REPORT,
    )
    reliability = models.CharField(
        _("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F
    )
    poll_interval_minutes = models.PositiveIntegerField(_("poll every (minutes)"), default=15)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Conditional requests: what the feed's server said last time.
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    # Worker state, shown in the admin and /healthz.
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(
        _("failures in a row"), default=0, editable=False
    )
    dead_since = models.DateTimeField(
        _("given up since"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Every retry of a poll failed; polling goes on at the usual interval."),
    )
    created_at = models.DateTimeField(_("created at"), db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("ingestion source")
        verbose_name_plural = _("ingestion sources")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=IngestSourceKind.values), name="ingestsource_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=POLLED_KINDS) | ~Q(url=""),
                name="ingestsource_feed_has_url",
                violation_error_message=_("A feed needs its URL."),
            ),
            models.CheckConstraint(
                condition=Q(poll_interval_minutes__gte=1),
                name="ingestsource_poll_interval_positive",
                violation_error_message=_("Poll at most once a minute."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="ingestsource_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def publisher_name(self) -> str:
        return self.publisher or self.name


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    EXTRACTED = "extracted", _("extracted and geocoded")
    DRAFTED = "drafted", _("drafted a new incident")
    ATTACHED = "attached", _("attached to an existing incident")
    NO_EVENT = "no_event", _("no incident found in the text")
    FAILED = "failed", _("failed (will be retried)")
    DEAD = "dead", _("failed for good (re-run by hand)")


# Where processing ends; a re-run starts again from the beginning of what is missing.
DONE_STATUSES = (ReportStatus.DRAFTED, ReportStatus.ATTACHED, ReportStatus.NO_EVENT)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    # The bytes and the text never change after storage; history needs no copy of them.
    exclude=["content", "text"],
)
class RawReport(models.Model):
    """One report as received, stored once, and what the pipeline made of it."""

    source = models.ForeignKey(
        IngestSource, on_delete=models.PROTECT, related_name="reports", verbose_name=_("source")
    )
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    normalised_url = models.CharField(_("normalised URL"), max_length=1000, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), db_default=Now(), editable=False)
    content = models.BinaryField(_("fetched bytes"), editable=False)
    content_type = models.CharField(max_length=200, blank=True)
    content_sha256 = models.CharField(_("SHA-256 of the bytes"), max_length=64)
    text = models.TextField(_("text"), blank=True)
    language = models.CharField(_("language"), max_length=3, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    extraction = models.JSONField(_("extraction"), null=True, blank=True)
    geocoding = models.JSONField(_("geocoding"), null=True, blank=True)
    match = models.JSONField(_("match decision"), null=True, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="raw_reports",
        verbose_name=_("incident"),
        help_text=_("The (first) incident the report was drafted as or attached to."),
    )
    source_record = models.ForeignKey(
        "incidents.Source",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="raw_reports",
        verbose_name=_("cited as source"),
    )
    discarded_at = models.DateTimeField(
        _("discarded at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When editors discarded every draft made from it in review; the report and its "
            "bytes stay as evidence."
        ),
    )
    updated_at = models.DateTimeField(_("last changed at"), db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("raw report")
        verbose_name_plural = _("raw reports")
        ordering = ["-fetched_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["normalised_url"],
                condition=~Q(normalised_url=""),
                name="rawreport_unique_url",
                violation_error_message=_("This report (by its address) is stored already."),
            ),
            models.UniqueConstraint(
                fields=["content_sha256"],
                name="rawreport_unique_content",
                violation_error_message=_("This report (by its content) is stored already."),
            ),
            models.CheckConstraint(
                condition=Q(content_sha256__regex=r"^[0-9a-f]{64}$"),
                name="rawreport_sha256_hex",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="rawreport_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "fetched_at"], name="rawreport_status"),
            models.Index(fields=["source", "fetched_at"], name="rawreport_source"),
        ]
        triggers = [touch_updated_at("rawreport_touch_updated_at")]

    def __str__(self) -> str:
        return self.title or self.url or f"#{self.pk}"


class ReviewDecision(models.TextChoices):
    ACCEPTED = "accepted", _("accepted (sent for review)")
    PUBLISHED = "published", _("published")
    MERGED = "merged", _("merged into the candidate")
    DISCARDED = "discarded", _("discarded")


# The extracted values an editor may correct, compared at each decision (incidents/review/).
FEEDBACK_FIELDS = (
    "location",
    "geo_precision",
    "location_name",
    "date_start",
    "date_end",
    "event_type",
    "sub_event_type",
    "actors",
    "fatalities",
)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ExtractionFeedback(models.Model):
    """One review decision on a draft made from one event of a report: what the extractor and
    geocoder proposed, what the editor finally kept, and which fields differ. The rows measure
    the extractor (incidents.review.selectors.feedback_summary); written by the review services
    only."""

    report = models.ForeignKey(
        RawReport, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("report")
    )
    event_index = models.PositiveIntegerField(_("event of the report"))
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="extraction_feedback",
        verbose_name=_("incident"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    proposed = models.JSONField(_("proposed by the extractor"), default=dict, blank=True)
    final = models.JSONField(_("kept by the editor"), default=dict, blank=True)
    changed = models.JSONField(_("fields corrected"), default=list, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("extraction feedback")
        verbose_name_plural = _("extraction feedback")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=ReviewDecision.values),
                name="extractionfeedback_decision_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["report", "event_index"], name="feedback_report_event"),
        ]

    def __str__(self) -> str:
        return f"#{self.report_id}:{self.event_index} {self.decision}"
