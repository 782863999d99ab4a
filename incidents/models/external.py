"""An incident's records in the reference datasets (ACLED, UCDP GED): their identifiers, the
dataset version they come from, and what those datasets code that the incident itself does not
hold, so that a row imported from either can be exported again without loss.

What each dataset's columns map to is in docs/interchange.md: the date, place, precision, event
type, narrative and actors live on the incident and its participants; the figures are a claim of
the dataset (a Source of kind "dataset"); the rest is here. An incident may have several records
(an ACLED event and the UCDP event of the same attack)."""

import pghistory
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from config.triggers import touch_updated_at
from incidents.models.incident import Incident


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class AcledEvent(models.Model):
    """The ACLED event an incident was coded from or matched to."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="acled_events")
    event_id_cnty = models.CharField(
        _("ACLED event id"), max_length=30, unique=True, help_text=_("e.g. MLI12345")
    )
    dataset_version = models.CharField(
        _("dataset version"),
        max_length=40,
        blank=True,
        help_text=_("The export or API pull it comes from (e.g. its date)."),
    )
    event_date = models.DateField(
        _("event date as coded"),
        help_text=_("ACLED's single date (a mid-point at week or month precision)."),
    )
    admin1 = models.CharField(_("admin1 as coded"), max_length=200, blank=True)
    admin2 = models.CharField(_("admin2 as coded"), max_length=200, blank=True)
    admin3 = models.CharField(_("admin3 as coded"), max_length=200, blank=True)
    sources = models.TextField(_("sources as coded"), blank=True, help_text=_("';'-separated"))
    source_scale = models.CharField(_("source scale"), max_length=100, blank=True)
    tags = models.TextField(
        _("ACLED tags"), blank=True, help_text=_("ACLED's own ';'-separated tags, kept apart.")
    )
    timestamp = models.BigIntegerField(
        _("ACLED timestamp"),
        null=True,
        blank=True,
        help_text=_("Unix time of ACLED's last change."),
    )
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("ACLED record")
        verbose_name_plural = _("ACLED records")
        ordering = ["event_id_cnty"]
        constraints = [
            models.CheckConstraint(
                condition=Q(event_id_cnty__regex=r"^[A-Z]{3}[0-9]+$"),
                name="acled_event_id_format",
                violation_error_message=_("An ACLED event id is a country code and a number."),
            )
        ]
        triggers = [touch_updated_at("acled_event_touch_updated_at")]

    def __str__(self) -> str:
        return self.event_id_cnty


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class UcdpEvent(models.Model):
    """The UCDP GED event an incident was coded from or matched to, with UCDP's coding of the
    conflict, the dyad and the sides as given."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ucdp_events")
    ged_id = models.BigIntegerField(_("UCDP GED id"), unique=True)
    relid = models.CharField(_("UCDP relid"), max_length=60, blank=True)
    dataset_version = models.CharField(
        _("dataset version"), max_length=40, blank=True, help_text=_("e.g. 25.1, or 26.0.3")
    )
    active_year = models.BooleanField(null=True, blank=True)
    code_status = models.CharField(max_length=60, blank=True)
    conflict_dset_id = models.CharField(max_length=40, blank=True)
    conflict_new_id = models.IntegerField(null=True, blank=True)
    conflict_name = models.CharField(max_length=300, blank=True)
    dyad_dset_id = models.CharField(max_length=40, blank=True)
    dyad_new_id = models.IntegerField(null=True, blank=True)
    dyad_name = models.CharField(max_length=300, blank=True)
    side_a_dset_id = models.CharField(max_length=40, blank=True)
    side_a_new_id = models.IntegerField(null=True, blank=True)
    side_a = models.CharField(_("side A as coded"), max_length=300, blank=True)
    side_b_dset_id = models.CharField(max_length=40, blank=True)
    side_b_new_id = models.IntegerField(null=True, blank=True)
    side_b = models.CharField(_("side B as coded"), max_length=300, blank=True)
    gwnoa = models.CharField(_("Gleditsch-Ward code(s) of side A"), max_length=40, blank=True)
    gwnob = models.CharField(_("Gleditsch-Ward code(s) of side B"), max_length=40, blank=True)
    number_of_sources = models.IntegerField(null=True, blank=True)
    source_article = models.TextField(blank=True)
    source_office = models.TextField(blank=True)
    source_date = models.TextField(blank=True)
    source_headline = models.TextField(blank=True)
    source_original = models.TextField(blank=True)
    where_coordinates = models.CharField(max_length=300, blank=True)
    where_description = models.TextField(blank=True)
    adm_1 = models.CharField(_("admin1 as coded"), max_length=200, blank=True)
    adm_2 = models.CharField(_("admin2 as coded"), max_length=200, blank=True)
    priogrid_gid = models.IntegerField(_("PRIO-GRID cell"), null=True, blank=True)
    country_id = models.IntegerField(_("Gleditsch-Ward country code"), null=True, blank=True)
    region = models.CharField(max_length=60, blank=True)
    event_clarity = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[(1, _("a clearly described event")), (2, _("built from aggregated reports"))],
    )
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("UCDP GED record")
        verbose_name_plural = _("UCDP GED records")
        ordering = ["ged_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(event_clarity__isnull=True) | Q(event_clarity__in=[1, 2]),
                name="ucdp_event_clarity_valid",
            )
        ]
        triggers = [touch_updated_at("ucdp_event_touch_updated_at")]

    def __str__(self) -> str:
        return f"UCDP GED {self.ged_id}"
