"""The incident: what happened, when, where, who took part and in which role, how many died, and
where it is in the workflow. Its estimates are derived from the claims (sources.py) in the
database (incidents/sql/estimates.sql) unless an editor overrides them."""

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField, DateRangeField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db.models import F, Func, Q
from django.db.models.functions import Now
from django.db.models.lookups import Range
from django.utils.translation import gettext_lazy as _

from config.triggers import incident_ids_triggers, touch_updated_at
from incidents.geo.models import AdminArea, Place
from incidents.models.actorcells import (
    INCIDENT_ACTORCELL_TRIGGERS,
    PARTICIPANT_ACTORCELL_TRIGGERS,
)
from incidents.models.mapcells import MAPCELL_TRIGGERS
from incidents.precision import (
    GeoPrecision,
    TimePrecision,
    UcdpDatePrecision,
    UcdpWherePrecision,
    date_range_agrees_with,
)
from incidents.taxonomy import EventType, SubEventType, sub_event_types_of

__all__ = [
    "ESTIMATES",
    "AcledPosition",
    "Attributed",
    "CasualtyEstimates",
    "GeoPrecision",
    "Incident",
    "IncidentActor",
    "Origin",
    "Status",
    "TimePrecision",
    "UcdpSide",
    "UcdpViolenceType",
]


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


class UcdpViolenceType(models.IntegerChoices):
    """UCDP GED's type_of_violence."""

    STATE_BASED = 1, _("state-based conflict")
    NON_STATE = 2, _("non-state conflict")
    ONE_SIDED = 3, _("one-sided violence")


class SearchDocument(Func):
    """The words an incident is found by: its title, place and narrative, case- and
    accent-insensitive (sahel_normalise), with the 'simple' configuration so that French and
    English are both found as written."""

    template = "to_tsvector('simple'::regconfig, sahel_normalise(coalesce(%(expressions)s, '')))"
    arg_joiner = ", '') || ' ' || coalesce("
    output_field = SearchVectorField()


class Period(Func):
    """daterange(start, end, '[]'): the days an incident may have happened on."""

    function = "daterange"
    template = "%(function)s(%(expressions)s, '[]')"
    output_field = DateRangeField()


class ST_X(Func):
    function = "ST_X"
    output_field = models.FloatField()


class ST_Y(Func):
    function = "ST_Y"
    output_field = models.FloatField()


# The casualty estimates an incident and a claim carry, each as low / best / high: the dead in
# all (`fatalities`), the dead by category (UCDP's deaths_civilians, deaths_a, deaths_b,
# deaths_unknown), the injured and the abducted.
ESTIMATES = (
    "fatalities",
    "killed_civilians",
    "killed_side_a",
    "killed_side_b",
    "killed_unknown",
    "injured",
    "abducted",
)
KILLED_BY_CATEGORY = ("killed_civilians", "killed_side_a", "killed_side_b", "killed_unknown")
BOUNDS = ("low", "best", "high")


def estimate_ordered(prefix: str) -> Q:
    """low <= best <= high wherever two of them are known (a CHECK passes on NULL, so each
    comparison is made only between known figures)."""
    condition = Q()
    for lower, upper in [("low", "best"), ("best", "high"), ("low", "high")]:
        condition &= (
            Q(**{f"{prefix}_{lower}__isnull": True})
            | Q(**{f"{prefix}_{upper}__isnull": True})
            | Q(**{f"{prefix}_{lower}__lte": F(f"{prefix}_{upper}")})
        )
    return condition


def estimate_constraints(table: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=estimate_ordered(prefix),
            name=f"{table}_{prefix}_ordered",
            violation_error_message=_("Estimates must satisfy low ≤ best ≤ high."),
        )
        for prefix in ESTIMATES
    ]


def _count(text):
    return models.PositiveIntegerField(text, null=True, blank=True)


class CasualtyEstimates(models.Model):
    """Low / best / high of each casualty category; empty means unknown, never zero."""

    fatalities_low = _count(_("killed in all (low)"))
    fatalities_best = _count(_("killed in all (best)"))
    fatalities_high = _count(_("killed in all (high)"))
    killed_civilians_low = _count(_("civilians killed (low)"))
    killed_civilians_best = _count(_("civilians killed (best)"))
    killed_civilians_high = _count(_("civilians killed (high)"))
    killed_side_a_low = _count(_("side A killed (low)"))
    killed_side_a_best = _count(_("side A killed (best)"))
    killed_side_a_high = _count(_("side A killed (high)"))
    killed_side_b_low = _count(_("side B killed (low)"))
    killed_side_b_best = _count(_("side B killed (best)"))
    killed_side_b_high = _count(_("side B killed (high)"))
    killed_unknown_low = _count(_("killed, status unknown (low)"))
    killed_unknown_best = _count(_("killed, status unknown (best)"))
    killed_unknown_high = _count(_("killed, status unknown (high)"))
    injured_low = _count(_("injured (low)"))
    injured_best = _count(_("injured (best)"))
    injured_high = _count(_("injured (high)"))
    abducted_low = _count(_("abducted (low)"))
    abducted_best = _count(_("abducted (best)"))
    abducted_high = _count(_("abducted (high)"))

    class Meta:
        abstract = True

    def estimate(self, prefix: str) -> tuple[int | None, int | None, int | None]:
        return tuple(getattr(self, f"{prefix}_{bound}") for bound in BOUNDS)


def incident_touch_triggers(prefix: str) -> list[pgtrigger.Trigger]:
    """Writing a row that hangs on an incident (a participant, a claim) moves the incident's
    updated_at, so an incremental pull by `updated_since` sees the change (incidents/sql/sync.sql).
    Statement-level, one per operation (a transition table belongs to one operation)."""
    return incident_ids_triggers(
        f"{prefix}_touch_incident",
        {
            "insert": "ARRAY(SELECT DISTINCT incident_id FROM new_rows)",
            "update": (
                "ARRAY(SELECT incident_id FROM old_rows UNION SELECT incident_id FROM new_rows)"
            ),
            "delete": "ARRAY(SELECT DISTINCT incident_id FROM old_rows)",
        },
        "PERFORM incidents_incidents_touch({ids});",
    )


class Attributed(models.Model):
    """Who created a record and who last changed it (set by the services, so every write path
    records it), and when (set by the database)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), db_default=Now(), editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed at"), db_default=Now(), editable=False)

    class Meta:
        abstract = True


def _event_taxonomy_condition() -> Q:
    """Each sub-event type only with its own event type; blank only in a draft (review needs it,
    as the workflow service says)."""
    pairs = Q()
    for event_type in EventType:
        pairs |= Q(event_type=event_type, sub_event_type__in=sub_event_types_of(event_type))
    unset = Q(sub_event_type="", event_type__in=EventType.values) & Q(status=Status.DRAFT)
    return pairs | unset


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["search", "lon", "lat"],
)
class Incident(Attributed, CasualtyEstimates):
    title = models.CharField(_("title"), max_length=300)
    # When
    date_start = models.DateField(_("start date"))
    date_end = models.DateField(_("end date"))
    time_precision = models.PositiveSmallIntegerField(
        _("time precision (ACLED)"), choices=TimePrecision.choices
    )
    ucdp_date_prec = models.PositiveSmallIntegerField(
        _("date precision (UCDP)"),
        choices=UcdpDatePrecision.choices,
        null=True,
        blank=True,
        help_text=_("As given by UCDP GED or an editor; empty when not given."),
    )
    # Where
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    location_name = models.CharField(_("place name as reported"), max_length=300, blank=True)
    geo_precision = models.PositiveSmallIntegerField(
        _("geo precision (ACLED)"), choices=GeoPrecision.choices
    )
    ucdp_where_prec = models.PositiveSmallIntegerField(
        _("location precision (UCDP)"),
        choices=UcdpWherePrecision.choices,
        null=True,
        blank=True,
        help_text=_("As given by UCDP GED or an editor; empty when not given."),
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
    event_type = models.CharField(_("event type"), max_length=40, choices=EventType.choices)
    sub_event_type = models.CharField(
        _("sub-event type"), max_length=40, choices=SubEventType.choices, blank=True
    )
    civilian_targeting = models.BooleanField(
        default=False, help_text=_("Civilians were the main or only target (ACLED's flag).")
    )
    ucdp_violence_type = models.PositiveSmallIntegerField(
        _("type of violence (UCDP)"), choices=UcdpViolenceType.choices, null=True, blank=True
    )
    # The estimates (CasualtyEstimates) are derived from the claims unless overridden.
    fatalities_override = models.BooleanField(
        default=False,
        help_text=_("Keep the figures an editor entered instead of deriving them from claims."),
    )
    narrative = models.TextField(_("narrative"), blank=True)
    tags = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    # Workflow and provenance
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    origin = models.CharField(
        _("origin"), max_length=20, choices=Origin.choices, default=Origin.MANUAL
    )
    origin_key = models.CharField(
        max_length=100,
        blank=True,
        help_text=_(
            "The record's key within its origin (the demo set's key, say). ACLED and UCDP "
            "identifiers are in the incident's ACLED and UCDP records."
        ),
    )
    retraction_reason = models.TextField(blank=True)
    # Kept by the database from title, place and narrative: full-text search in any language.
    search = models.GeneratedField(
        expression=SearchDocument("title", "location_name", "narrative"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # The point's coordinates as numbers, for the map at high zoom: incidents are grouped by
    # their exact point, read from a covering index (incident_map_points) without the table.
    lon = models.GeneratedField(
        expression=Func(F("location"), function="ST_X"),
        output_field=models.FloatField(),
        db_persist=True,
    )
    lat = models.GeneratedField(
        expression=Func(F("location"), function="ST_Y"),
        output_field=models.FloatField(),
        db_persist=True,
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents_published",
        editable=False,
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Optimistic locking: every save through services.record_save adds one, and a form that
    # read version N may only save over version N (services.incident_update).
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)
    # A merged incident is kept, retracted, pointing at the one that survives the merge
    # (services.incident_merge); the deletions feed says so (incidents/sql/sync.sql).
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_incidents",
        editable=False,
        verbose_name=_("merged into"),
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
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
                condition=Q(time_precision__in=TimePrecision.values)
                & date_range_agrees_with("time_precision"),
                name="incident_time_precision_matches_range",
                violation_error_message=_(
                    "The time precision does not match the date range: one day is precision "
                    "'day', 2 to 14 days 'week', 8 days or more 'month'."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ucdp_date_prec__isnull=True)
                | Q(ucdp_date_prec__in=UcdpDatePrecision.values)
                & date_range_agrees_with("ucdp_date_prec"),
                name="incident_ucdp_date_prec_matches_range",
                violation_error_message=_(
                    "UCDP's date precision does not match the date range: 1 is one day, 2 a span "
                    "of 2-6 days, 3 a week, 4 a month, 5 a year at most."
                ),
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
                    "(and is required before review)."
                ),
            ),
            *estimate_constraints("incident"),
            models.CheckConstraint(
                condition=Q(geo_precision__in=GeoPrecision.values),
                name="incident_geo_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(ucdp_where_prec__isnull=True)
                | Q(ucdp_where_prec__in=UcdpWherePrecision.values),
                name="incident_ucdp_where_prec_valid",
            ),
            models.CheckConstraint(
                condition=Q(ucdp_violence_type__isnull=True)
                | Q(ucdp_violence_type__in=UcdpViolenceType.values),
                name="incident_ucdp_violence_type_valid",
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
            models.CheckConstraint(condition=Q(version__gte=1), name="incident_version_positive"),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True)
                | (Q(status=Status.RETRACTED) & ~Q(merged_into=F("id"))),
                name="incident_merged_is_retracted",
                violation_error_message=_(
                    "A merged incident is retracted and points at another incident."
                ),
            ),
            models.UniqueConstraint(
                fields=["origin", "origin_key"],
                condition=~Q(origin_key=""),
                name="incident_unique_origin_key",
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
            GinIndex(fields=["search"], name="incident_search"),
            # Incidents overlapping a period: the edges of a date range the map's summary does not
            # cover (mapdata.py), and any "what happened between" question.
            GistIndex(Period("date_start", "date_end"), name="incident_period"),
            models.Index(
                fields=["lon", "lat"],
                include=[
                    "id",
                    "date_start",
                    "event_type",
                    "geo_precision",
                    "fatalities_best",
                    "status",
                ],
                name="incident_map_points",
            ),
        ]
        triggers = [
            # The functions are in incidents/sql/ (triggers.sql, estimates.sql).
            pgtrigger.Trigger(
                name="incident_admin_areas_derive",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("location"),
                func="RETURN incidents_incident_placed(NEW);",
            ),
            pgtrigger.Trigger(
                name="incident_fatalities_rederive",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("fatalities_override"),
                condition=pgtrigger.Q(
                    old__fatalities_override=True, new__fatalities_override=False
                ),
                func="RETURN incidents_incident_estimated(NEW);",
            ),
            touch_updated_at("incident_touch_updated_at"),
            # Tombstones of incidents leaving the published set (incidents/sql/sync.sql).
            pgtrigger.Trigger(
                name="incident_tombstone_on_status",
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("status"),
                condition=pgtrigger.Condition("OLD.status IS DISTINCT FROM NEW.status"),
                func="PERFORM incidents_incident_tombstone(NEW.id, OLD.status, NEW.status); "
                "RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="incident_tombstone_on_delete",
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status=Status.PUBLISHED),
                func="PERFORM incidents_incident_tombstone(OLD.id, OLD.status, NULL); RETURN NULL;",
            ),
            *MAPCELL_TRIGGERS,
            *INCIDENT_ACTORCELL_TRIGGERS,
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def clean(self) -> None:
        """The rules a CHECK cannot state: no date after today, and a point inside the country
        the incident is coded in (rules.py)."""
        from incidents.models.rules import incident_errors

        if errors := incident_errors(self):
            raise ValidationError(errors)


class AcledPosition(models.TextChoices):
    """Where ACLED codes an actor in an event. Actor 1 and actor 2 do not say who attacked."""

    ACTOR1 = "actor1", _("actor 1")
    ACTOR2 = "actor2", _("actor 2")
    ASSOC_ACTOR_1 = "assoc_actor_1", _("associated with actor 1")
    ASSOC_ACTOR_2 = "assoc_actor_2", _("associated with actor 2")


class UcdpSide(models.TextChoices):
    """UCDP's sides: A is the government in state-based conflict and the perpetrator in one-sided
    violence; B its opponent, or the civilians."""

    A = "A", _("side A")
    B = "B", _("side B")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class IncidentActor(models.Model):
    """An actor's part in one incident, coded in both conventions: ACLED's position (with the
    actor-type code `inter` for this incident: state forces fighting abroad are external forces
    there) and UCDP's side; whether it started the fighting and whether it claimed it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="participants")
    actor = models.ForeignKey(
        "actors.Actor", on_delete=models.PROTECT, related_name="participations"
    )
    acled_position = models.CharField(
        _("ACLED position"), max_length=13, choices=AcledPosition.choices, blank=True
    )
    ucdp_side = models.CharField(_("UCDP side"), max_length=1, choices=UcdpSide.choices, blank=True)
    acled_inter = models.PositiveSmallIntegerField(
        _("ACLED actor type in this incident"),
        null=True,
        blank=True,
        help_text=_("Empty: the actor's usual code."),
        choices=[(n, str(n)) for n in range(1, 9)],
    )
    initiator = models.BooleanField(_("initiated the fighting"), default=False)
    claimed_responsibility = models.BooleanField(default=False)
    name_as_coded = models.CharField(
        _("name as coded"),
        max_length=300,
        blank=True,
        help_text=_("The actor's name in the dataset or report it came from, kept for export."),
    )
    sequence = models.PositiveSmallIntegerField(
        default=0, help_text=_("Order among the actors of the same position (ACLED lists).")
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["incident", "acled_position", "sequence", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acled_position__in=[*AcledPosition.values, ""]),
                name="incident_actor_acled_position_valid",
            ),
            models.CheckConstraint(
                condition=Q(ucdp_side__in=[*UcdpSide.values, ""]),
                name="incident_actor_ucdp_side_valid",
            ),
            models.CheckConstraint(
                condition=~Q(acled_position="", ucdp_side=""),
                name="incident_actor_has_a_role",
                violation_error_message=_("Give the actor's ACLED position or UCDP side."),
            ),
            models.CheckConstraint(
                condition=Q(acled_inter__isnull=True) | Q(acled_inter__gte=1, acled_inter__lte=8),
                name="incident_actor_acled_inter_valid",
            ),
            models.UniqueConstraint(
                fields=["incident", "actor", "acled_position", "ucdp_side"],
                name="incident_actor_unique_role",
            ),
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(acled_position=AcledPosition.ACTOR1),
                name="incident_actor_one_actor1",
                violation_error_message=_("An incident has one ACLED actor 1."),
            ),
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(acled_position=AcledPosition.ACTOR2),
                name="incident_actor_one_actor2",
                violation_error_message=_("An incident has one ACLED actor 2."),
            ),
        ]
        indexes = [models.Index(fields=["actor", "incident"], name="incident_actor_actor")]
        triggers = [*PARTICIPANT_ACTORCELL_TRIGGERS, *incident_touch_triggers("incident_actor")]

    def __str__(self) -> str:
        roles = [str(r) for r in (self.get_acled_position_display(), self.ucdp_side) if r]
        return f"{self.actor} ({', '.join(roles)})"

    @property
    def acled_inter_code(self) -> int:
        """ACLED's actor type in this incident: as coded here, else the actor's usual one."""
        return self.acled_inter or self.actor.acled_inter_code
