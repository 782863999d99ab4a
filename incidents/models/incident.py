"""The incident: what happened, when, where, who, how many died, and where it is in the workflow."""

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db.models import F, Func, Q
from django.db.models.functions import Now
from django.db.models.lookups import Range
from django.utils.translation import gettext_lazy as _

from config.triggers import touch_updated_at
from incidents.geo.models import AdminArea, Place
from incidents.taxonomy import EventType, SubEventType, sub_event_types_of


class TimePrecision(models.IntegerChoices):
    """ACLED's time_precision codes."""

    DAY = 1, _("day: the actual date is known")
    WEEK = 2, _("week: the sources give a week or a similar period")
    MONTH = 3, _("month: only the month is known")


class GeoPrecision(models.IntegerChoices):
    """ACLED's geo_precision codes."""

    EXACT = 1, _("exact place")
    NEAR = 2, _("near a place, or along a road between places")
    ADMIN_AREA = 3, _("admin-area centroid or capital (only the area is known)")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    PUBLISHED = "published", _("published")
    RETRACTED = "retracted", _("retracted")


class Origin(models.TextChoices):
    MANUAL = "manual", _("entered by an editor")
    INGESTED = "ingested", _("ingested from a report")
    IMPORT_ACLED = "import_acled", _("imported from ACLED")
    IMPORT_UCDP = "import_ucdp", _("imported from UCDP GED")
    DEMO = "demo", _("demo set")
    SYNTHETIC = "synthetic", _("synthetic (generated, not real)")


class ST_X(Func):
    function = "ST_X"
    output_field = models.FloatField()


class ST_Y(Func):
    function = "ST_Y"
    output_field = models.FloatField()


def fatalities_ordered() -> Q:
    """low <= best <= high wherever two of them are known (a CHECK passes on NULL, so each
    comparison is made only between known figures)."""
    pairs = [("low", "best"), ("best", "high"), ("low", "high")]
    condition = Q()
    for lower, upper in pairs:
        condition &= (
            Q(**{f"fatalities_{lower}__isnull": True})
            | Q(**{f"fatalities_{upper}__isnull": True})
            | Q(**{f"fatalities_{lower}__lte": F(f"fatalities_{upper}")})
        )
    return condition


class Attributed(models.Model):
    """Who created a record and when it was created and last changed (set by the database)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        abstract = True


def _event_taxonomy_condition() -> Q:
    """Each sub-event type only with its own event type; blank only before publication."""
    pairs = Q()
    for event_type in EventType:
        pairs |= Q(event_type=event_type, sub_event_type__in=sub_event_types_of(event_type))
    unset = Q(sub_event_type="", event_type__in=EventType.values) & Q(
        status__in=[Status.DRAFT, Status.IN_REVIEW]
    )
    return pairs | unset


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Incident(models.Model):
    title = models.CharField(max_length=300)
    # When
    date_start = models.DateField(_("start date"))
    date_end = models.DateField(_("end date"))
    time_precision = models.PositiveSmallIntegerField(
        choices=TimePrecision.choices, default=TimePrecision.DAY
    )
    # Where
    location = models.PointField(srid=4326, null=True, blank=True)
    location_name = models.CharField(_("place name as reported"), max_length=300, blank=True)
    geo_precision = models.PositiveSmallIntegerField(
        choices=GeoPrecision.choices, default=GeoPrecision.EXACT
    )
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        help_text=_("The gazetteer entry the location was taken from, if any."),
    )
    country_code = models.CharField(max_length=2, blank=True, editable=False)
    admin1 = models.ForeignKey(
        AdminArea,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    admin2 = models.ForeignKey(
        AdminArea,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # What
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    sub_event_type = models.CharField(max_length=40, choices=SubEventType.choices, blank=True)
    civilian_targeting = models.BooleanField(
        default=False, help_text=_("Civilians were the main or only target (ACLED's flag).")
    )
    # How many died (UCDP-style low / best / high), derived from the claims unless overridden.
    fatalities_low = models.PositiveIntegerField(null=True, blank=True)
    fatalities_best = models.PositiveIntegerField(null=True, blank=True)
    fatalities_high = models.PositiveIntegerField(null=True, blank=True)
    fatalities_override = models.BooleanField(
        default=False,
        help_text=_("Keep the figures an editor entered instead of deriving them from claims."),
    )
    narrative = models.TextField(blank=True)
    tags = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    # Workflow and provenance
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.MANUAL)
    external_id = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Identifier in the dataset it came from (e.g. ACLED event_id_cnty)."),
    )
    retraction_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents_created",
        editable=False,
    )
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents_updated",
        editable=False,
    )
    updated_at = models.DateTimeField(db_default=Now(), editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents_published",
        editable=False,
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-date_start", "-id"]
        permissions = [
            ("publish_incident", _("Can publish or retract incidents (reviewer)")),
            ("view_personal_data", _("Can see victim names and witness identities")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_end__gte=F("date_start")),
                name="incident_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(location__isnull=True)
                | (Range(ST_X("location"), (-180, 180)) & Range(ST_Y("location"), (-90, 90))),
                name="incident_location_in_range",
                violation_error_message=_(
                    "The location must have a longitude in [-180, 180] and a latitude in [-90, 90]."
                ),
            ),
            models.CheckConstraint(
                condition=Q(location__isnull=False) | Q(status=Status.DRAFT),
                name="incident_location_required_after_draft",
                violation_error_message=_("An incident needs a location before review."),
            ),
            models.CheckConstraint(
                condition=_event_taxonomy_condition(),
                name="incident_sub_event_type_matches_event_type",
                violation_error_message=_(
                    "The sub-event type does not belong to the event type "
                    "(and is required before publication)."
                ),
            ),
            models.CheckConstraint(
                condition=fatalities_ordered(),
                name="incident_fatalities_ordered",
                violation_error_message=_("Fatalities must satisfy low ≤ best ≤ high."),
            ),
            models.CheckConstraint(
                condition=Q(time_precision__in=TimePrecision.values),
                name="incident_time_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(geo_precision__in=GeoPrecision.values),
                name="incident_geo_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="incident_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=Origin.values), name="incident_origin_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name="incident_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(published_by__isnull=True)
                | Q(created_by__isnull=True)
                | ~Q(published_by=F("created_by")),
                name="incident_not_published_by_its_author",
                violation_error_message=_("A reviewer cannot publish their own entry."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.RETRACTED) | ~Q(retraction_reason=""),
                name="incident_retraction_has_reason",
                violation_error_message=_("Say why the incident is retracted."),
            ),
            models.CheckConstraint(condition=~Q(title=""), name="incident_title_not_empty"),
            models.UniqueConstraint(
                fields=["origin", "external_id"],
                condition=~Q(external_id=""),
                name="incident_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["date_start"], name="incident_date_start"),
            models.Index(fields=["date_end"], name="incident_date_end"),
            models.Index(fields=["status", "date_start"], name="incident_status_date"),
            models.Index(fields=["event_type", "sub_event_type"], name="incident_event_type"),
            models.Index(fields=["country_code", "date_start"], name="incident_country_date"),
            models.Index(fields=["updated_at"], name="incident_updated_at"),
            models.Index(fields=["origin"], name="incident_origin"),
            models.Index(fields=["fatalities_best"], name="incident_fatalities_best"),
            GinIndex(fields=["tags"], name="incident_tags"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="incident_admin_areas_derive",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("location"),
                func="""
                IF NEW.location IS NULL THEN
                    NEW.admin1_id := NULL; NEW.admin2_id := NULL;
                    RETURN NEW;
                END IF;
                SELECT COALESCE(a.country_code, NEW.country_code), a.admin1_id, a.admin2_id
                INTO NEW.country_code, NEW.admin1_id, NEW.admin2_id
                FROM incidents_admin_areas_at(NEW.location) AS a;
                RETURN NEW;
                """,
            ),
            pgtrigger.Trigger(
                name="incident_fatalities_rederive",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("fatalities_override"),
                condition=pgtrigger.Q(
                    old__fatalities_override=True, new__fatalities_override=False
                ),
                func="""
                SELECT d.low, d.best, d.high
                INTO NEW.fatalities_low, NEW.fatalities_best, NEW.fatalities_high
                FROM incidents_fatalities_from_claims(NEW.id) AS d;
                RETURN NEW;
                """,
            ),
            touch_updated_at("incident_touch_updated_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class ParticipantRole(models.TextChoices):
    SIDE_A = "side_a", _("perpetrator / side A")
    SIDE_B = "side_b", _("target / side B")
    ASSOCIATED_A = "assoc_a", _("associated with side A")
    ASSOCIATED_B = "assoc_b", _("associated with side B")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class IncidentActor(models.Model):
    """An actor's part in an incident (ACLED actor1/assoc_actor_1/actor2/assoc_actor_2, UCDP
    side A/B), and whether it claimed responsibility."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="participants")
    actor = models.ForeignKey(
        "actors.Actor", on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(max_length=10, choices=ParticipantRole.choices)
    claimed_responsibility = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["incident", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "actor", "role"], name="incident_actor_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=ParticipantRole.values), name="incident_actor_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(claimed_responsibility=False)
                | Q(role__in=[ParticipantRole.SIDE_A, ParticipantRole.ASSOCIATED_A]),
                name="incident_actor_claim_on_side_a",
                violation_error_message=_("Only a perpetrator (side A) can claim responsibility."),
            ),
        ]
        indexes = [models.Index(fields=["actor", "role"], name="incident_actor_actor_role")]

    def __str__(self) -> str:
        return f"{self.actor} ({self.get_role_display()})"
