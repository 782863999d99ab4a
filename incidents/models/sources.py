"""Sources (reports, statements, claim videos, witness accounts, datasets) and claims: what one
source says about one incident. Conflicting claims are kept side by side; the incident's
estimates are derived from them in the database (incidents/sql/estimates.sql)."""

import pghistory
import pgtrigger
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from config.triggers import incident_ids_triggers, touch_updated_at
from incidents.models.incident import (
    KILLED_BY_CATEGORY,
    Attributed,
    CasualtyEstimates,
    Incident,
    estimate_constraints,
    incident_touch_triggers,
)
from incidents.models.rules import future_date_errors

WEB_SCHEMES = ["http", "https"]


class WebAddressField(models.URLField):
    """A web address: http or https only (Django's URLField also takes ftp); its form field
    reads an address typed without a scheme as https (Django 6's default; Django 5.2 would
    assume http)."""

    default_validators = [
        URLValidator(
            schemes=WEB_SCHEMES, message=_("Enter a web address starting with http:// or https://.")
        )
    ]

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class SourceKind(models.TextChoices):
    NEWS_REPORT = "news_report", _("news report")
    ARMED_GROUP_CLAIM = "armed_group_claim", _("armed group statement")
    CLAIM_VIDEO = "claim_video", _("armed group claim video")
    GOVERNMENT_STATEMENT = "government_statement", _("government or army press release")
    NGO_REPORT = "ngo_report", _("NGO or rights-group report")
    UN_REPORT = "un_report", _("UN report")
    EYEWITNESS = "eyewitness", _("eyewitness account")
    LOCAL_PARTNER = "local_partner", _("local partner report")
    SOCIAL_MEDIA = "social_media", _("social media post")
    DATASET = "dataset", _("conflict dataset (ACLED, UCDP)")
    OTHER = "other", _("other")


class Reliability(models.TextChoices):
    """Source reliability, Admiralty code."""

    A = "A", _("A: completely reliable")
    B = "B", _("B: usually reliable")
    C = "C", _("C: fairly reliable")
    D = "D", _("D: not usually reliable")
    E = "E", _("E: unreliable")
    F = "F", _("F: reliability cannot be judged")


class Credibility(models.IntegerChoices):
    """Information credibility, Admiralty code."""

    CONFIRMED = 1, _("1: confirmed by other sources")
    PROBABLY_TRUE = 2, _("2: probably true")
    POSSIBLY_TRUE = 3, _("3: possibly true")
    DOUBTFUL = 4, _("4: doubtful")
    IMPROBABLE = 5, _("5: improbable")
    CANNOT_BE_JUDGED = 6, _("6: truth cannot be judged")


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Source(Attributed):
    kind = models.CharField(_("kind"), max_length=30, choices=SourceKind.choices)
    publisher = models.CharField(
        _("publisher"), max_length=200, help_text=_("e.g. RFI, Amnesty International, FAMa")
    )
    title = models.CharField(_("title"), max_length=500, blank=True)
    url = WebAddressField(_("URL"), max_length=1000, blank=True)
    language = models.CharField(
        _("language"),
        max_length=3,
        blank=True,
        help_text=_(
            "ISO 639-3 code: fra, eng, ara, bam (Bambara), ful (Fulfulde), taq (Tamasheq)…"
        ),
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    published_on_precision = models.CharField(
        _("precision of the publication date"),
        max_length=5,
        choices=DatePrecision.choices,
        blank=True,
        help_text=_("Required with a date: is the day, only the month, or only the year known?"),
    )
    reliability = models.CharField(
        _("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F
    )
    content_sha256 = models.CharField(
        max_length=64, blank=True, help_text=_("Hash of the raw report text, for de-duplication.")
    )
    notes = models.TextField(_("notes"), blank=True)
    # Editors, reviewers and admins see a confidential source; viewers and partners see only
    # "confidential source" and its reliability grade (selectors.source_label).
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "Hide the publisher, title, URL and notes from viewers and partners: they see "
            '"confidential source" and its reliability grade.'
        ),
    )
    # Personal data: only roles with incidents.view_personal_data may see it.
    informant = models.TextField(
        _("witness / informant identity"),
        blank=True,
        help_text=_("Sensitive. Name and contact of the witness or informant."),
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published_on", "publisher"]
        constraints = [
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="source_unique_url"),
            models.UniqueConstraint(
                fields=["content_sha256"],
                condition=~Q(content_sha256=""),
                name="source_unique_content",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values), name="source_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=Reliability.values), name="source_reliability_valid"
            ),
            models.CheckConstraint(condition=~Q(publisher=""), name="source_publisher_not_empty"),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__regex=r"^[hH][tT][tT][pP][sS]?://"),
                name="source_url_is_web_address",
                violation_error_message=_("Enter a web address starting with http:// or https://."),
            ),
            models.CheckConstraint(
                condition=Q(language="") | Q(language__regex=r"^[a-z]{3}$"),
                name="source_language_iso_639_3",
                violation_error_message=_(
                    "The language is an ISO 639-3 code of three letters (fra, eng, bam, ful, taq)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(published_on__isnull=True, published_on_precision="")
                | Q(published_on__isnull=False, published_on_precision__in=DatePrecision.values),
                name="source_publication_date_has_precision",
                violation_error_message=_(
                    "Say how precise the publication date is (day, month or year), and only "
                    "with a date."
                ),
            ),
        ]
        indexes = [models.Index(fields=["publisher"]), models.Index(fields=["updated_at"])]
        triggers = [
            touch_updated_at("source_touch_updated_at"),
            # A source re-graded changes which claim gives the best estimate.
            pgtrigger.Trigger(
                name="source_reliability_rederive",
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("reliability", "published_on"),
                func="PERFORM incidents_source_claims_rederive(NEW.id); RETURN NULL;",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.title or self.url or self.get_kind_display()}"

    def clean(self) -> None:
        if errors := future_date_errors(self, ("published_on",)):
            raise ValidationError(errors)


def _sum_of_lows() -> Coalesce:
    total = None
    for prefix in KILLED_BY_CATEGORY:
        term = Coalesce(F(f"{prefix}_low"), F(f"{prefix}_best"), 0)
        total = term if total is None else total + term
    return total


def claim_estimates_triggers() -> list[pgtrigger.Trigger]:
    """Writing claims re-derives the estimates of the incidents they belong to (before and after
    a move), once per statement with the claims it wrote (a transition table), in one set-based
    statement (incidents_refresh_estimates_many in incidents/sql/estimates.sql): a form's one
    claim gets the same figures as before, and a bulk import of thousands of claims does not
    derive them one claim at a time. One trigger per operation (a transition table belongs to
    one operation)."""
    return incident_ids_triggers(
        "claim_estimates",
        {
            "insert": "SELECT incident_id FROM new_rows",
            "update": "SELECT incident_id FROM old_rows UNION SELECT incident_id FROM new_rows",
            "delete": "SELECT incident_id FROM old_rows",
        },
        "PERFORM incidents_refresh_estimates_many(ARRAY({ids}));",
    )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Claim(Attributed, CasualtyEstimates):
    """What one source says about one incident: the dead by category (civilians, each side,
    unknown) and in all, the injured and the abducted, each as low / best / high where the source
    gives a range; who it says did it and who was hit; the date and place it gives."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="claims")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices, default=Credibility.CANNOT_BE_JUDGED
    )
    claimed_perpetrator = models.ForeignKey(
        "actors.Actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who the source says did it."),
    )
    claims_responsibility = models.BooleanField(
        default=False, help_text=_("The source is the perpetrator claiming the act.")
    )
    perpetrator_text = models.CharField(_("perpetrator as stated"), max_length=300, blank=True)
    targets_text = models.CharField(_("targets as stated"), max_length=300, blank=True)
    # When and where, as the source says (it may differ from the incident's coding).
    stated_date_start = models.DateField(_("date the source gives (from)"), null=True, blank=True)
    stated_date_end = models.DateField(_("date the source gives (until)"), null=True, blank=True)
    stated_place = models.CharField(_("place the source gives"), max_length=300, blank=True)
    stated_location = models.PointField(
        _("point of the place the source gives"), srid=4326, null=True, blank=True
    )
    summary = models.TextField(help_text=_("What the source says, in your words."))
    quote = models.TextField(blank=True, help_text=_("Key passage in the original language."))

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["incident", "source__reliability", "credibility"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "source"], name="claim_one_per_source"),
            models.CheckConstraint(
                condition=Q(credibility__gte=1, credibility__lte=6), name="claim_credibility_valid"
            ),
            *estimate_constraints("claim"),
            models.CheckConstraint(
                condition=Q(fatalities_high__isnull=True) | Q(fatalities_high__gte=_sum_of_lows()),
                name="claim_total_covers_categories",
                violation_error_message=_(
                    "The highest total of dead is below what the categories say at least."
                ),
            ),
            models.CheckConstraint(
                condition=Q(stated_date_end__isnull=True)
                | Q(stated_date_start__isnull=False, stated_date_end__gte=F("stated_date_start")),
                name="claim_stated_dates_ordered",
                violation_error_message=_("The stated end date cannot be before its start."),
            ),
            models.CheckConstraint(condition=~Q(summary=""), name="claim_summary_not_empty"),
        ]
        triggers = [
            touch_updated_at("claim_touch_updated_at"),
            *claim_estimates_triggers(),
            *incident_touch_triggers("claim"),
        ]

    def __str__(self) -> str:
        return f"{self.source.publisher} on #{self.incident_id}"

    def clean(self) -> None:
        if errors := future_date_errors(self, ("stated_date_start", "stated_date_end")):
            raise ValidationError(errors)
