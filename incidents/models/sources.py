"""Sources (reports, statements, claim videos, witness accounts) and claims: what one source says
about one incident. Conflicting claims are kept side by side; the incident's fatality figures are
derived from them in the database (see incidents_fatalities_from_claims)."""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.triggers import touch_updated_at
from incidents.models.incident import Attributed, Incident, fatalities_ordered


class WebAddressField(models.URLField):
    """A URL whose form field reads an address typed without a scheme as https (Django 6's
    default; Django 5.2 would assume http)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class SourceKind(models.TextChoices):
    NEWS_REPORT = "news_report", _("news report")
    ARMED_GROUP_CLAIM = "armed_group_claim", _("armed group statement or claim video")
    GOVERNMENT_STATEMENT = "government_statement", _("government or army press release")
    NGO_REPORT = "ngo_report", _("NGO or rights-group report")
    UN_REPORT = "un_report", _("UN report")
    EYEWITNESS = "eyewitness", _("eyewitness account")
    LOCAL_PARTNER = "local_partner", _("local partner report")
    SOCIAL_MEDIA = "social_media", _("social media post")
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


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Source(Attributed):
    kind = models.CharField(max_length=30, choices=SourceKind.choices)
    publisher = models.CharField(
        max_length=200, help_text=_("e.g. RFI, Amnesty International, FAMa")
    )
    title = models.CharField(max_length=500, blank=True)
    url = WebAddressField(max_length=1000, blank=True)
    language = models.CharField(max_length=8, blank=True, help_text=_("ISO 639-1 code"))
    published_on = models.DateField(null=True, blank=True)
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F)
    content_sha256 = models.CharField(
        max_length=64, blank=True, help_text=_("Hash of the raw report text, for de-duplication.")
    )
    notes = models.TextField(blank=True)
    # Personal data: only roles with incidents.view_personal_data may see it.
    informant = models.TextField(
        _("witness / informant identity"),
        blank=True,
        help_text=_("Sensitive. Name and contact of the witness or informant."),
    )

    class Meta:
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
        ]
        indexes = [models.Index(fields=["publisher"]), models.Index(fields=["updated_at"])]
        triggers = [
            touch_updated_at("source_touch_updated_at"),
            # A source re-graded changes which claim gives the best estimate.
            pgtrigger.Trigger(
                name="source_reliability_rederive",
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("reliability", "published_on"),
                func="""
                PERFORM incidents_refresh_fatalities(c.incident_id)
                FROM (SELECT DISTINCT incident_id FROM incidents_claim WHERE source_id = NEW.id) c;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.title or self.url or self.get_kind_display()}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Claim(Attributed):
    """What one source says about one incident: figures, who did it, who was hit."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="claims")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices, default=Credibility.CANNOT_BE_JUDGED
    )
    fatalities_low = models.PositiveIntegerField(null=True, blank=True)
    fatalities_best = models.PositiveIntegerField(null=True, blank=True)
    fatalities_high = models.PositiveIntegerField(null=True, blank=True)
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
    summary = models.TextField(help_text=_("What the source says, in your words."))
    quote = models.TextField(blank=True, help_text=_("Key passage in the original language."))

    class Meta:
        ordering = ["incident", "source__reliability", "credibility"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "source"], name="claim_one_per_source"),
            models.CheckConstraint(
                condition=Q(credibility__gte=1, credibility__lte=6), name="claim_credibility_valid"
            ),
            models.CheckConstraint(
                condition=fatalities_ordered(),
                name="claim_fatalities_ordered",
                violation_error_message=_("Fatalities must satisfy low ≤ best ≤ high."),
            ),
            models.CheckConstraint(condition=~Q(summary=""), name="claim_summary_not_empty"),
        ]
        triggers = [
            touch_updated_at("claim_touch_updated_at"),
            pgtrigger.Trigger(
                name="claim_fatalities_rederive",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func="""
                IF TG_OP <> 'INSERT' THEN
                    PERFORM incidents_refresh_fatalities(OLD.incident_id);
                END IF;
                IF TG_OP = 'INSERT'
                   OR (TG_OP = 'UPDATE' AND NEW.incident_id <> OLD.incident_id) THEN
                    PERFORM incidents_refresh_fatalities(NEW.incident_id);
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.publisher} on #{self.incident_id}"
