"""Civilian harm as Airwars and monitors record it: several assessments per incident (from
different sources or assessors), each graded, with counts by category where unknown is not zero,
the civilian objects hit and the means; and per-victim records.

Victim names, notes and injuries are personal data: only roles with
incidents.view_personal_data see them.
"""

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.triggers import touch_updated_at
from incidents.models.incident import Attributed, Incident
from incidents.models.mapcells import HARM_MAPCELL_TRIGGERS
from incidents.models.sources import Source


class HarmGrade(models.TextChoices):
    """Airwars' civilian-harm grading, and "not assessed" for counts no one has graded yet (an
    imported civilian death count, say)."""

    CONFIRMED = "confirmed", _("confirmed: a belligerent accepted responsibility")
    FAIR = "fair", _("fair: two or more credible sources, belligerent action likely")
    WEAK = "weak", _("weak: a single-source claim")
    CONTESTED = "contested", _("contested: competing claims of responsibility")
    DISCOUNTED = "discounted", _("discounted: combatants, or another party most likely")
    NOT_ASSESSED = "not_assessed", _("not assessed yet")


class HarmMeans(models.TextChoices):
    AIR_STRIKE = "air_strike", _("air strike (manned aircraft)")
    DRONE_STRIKE = "drone_strike", _("drone strike")
    AIR_OR_DRONE_STRIKE = "air_drone_strike", _("air or drone strike (which is not known)")
    ARTILLERY = "artillery", _("shelling / artillery")
    IED = "ied", _("IED / landmine")
    SUICIDE_ATTACK = "suicide_attack", _("suicide attack")
    SMALL_ARMS = "small_arms", _("small arms / shooting")
    EXECUTION = "execution", _("summary execution")
    ARSON = "arson", _("arson / burning")
    SEXUAL_VIOLENCE = "sexual_violence", _("sexual violence")
    OTHER = "other", _("other")


class CivilianObject(models.TextChoices):
    MARKET = "market", _("market")
    SCHOOL = "school", _("school")
    HEALTH_FACILITY = "health_facility", _("health facility")
    WATER_POINT = "water_point", _("water point")
    PLACE_OF_WORSHIP = "place_of_worship", _("place of worship")
    VEHICLE = "vehicle", _("vehicle")
    HOME = "home", _("home")
    OTHER = "other", _("other")


HARM_CATEGORIES = ("children", "women", "men", "unknown")
HARM_OUTCOMES = ("killed", "injured", "died_later", "abducted", "displaced")
OUTCOME_LABELS = {
    "killed": pgettext_lazy("people", "killed"),
    "injured": pgettext_lazy("people", "injured"),
    "died_later": pgettext_lazy("people", "died later of their wounds"),
    "abducted": pgettext_lazy("people", "abducted"),
    "displaced": pgettext_lazy("people", "displaced"),
}
CATEGORY_LABELS = {
    "children": _("children"),
    "women": _("women"),
    "men": _("men"),
    "unknown": _("age or sex unknown"),
}


def _count(outcome: str, category: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        format_lazy("{}: {}", OUTCOME_LABELS[outcome], CATEGORY_LABELS[category]),
        null=True,
        blank=True,
    )


def _total(outcome: str):
    total = None
    for category in HARM_CATEGORIES:
        term = Coalesce(F(f"{outcome}_{category}"), 0)
        total = term if total is None else total + term
    return total


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CivilianHarmReport(Attributed):
    """One assessment of the harm to civilians in an incident. Counts are what the assessment
    establishes, by category; an empty count is unknown, not zero. "Died later" are among the
    killed (they died of their wounds after the event)."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="harm_assessments"
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="harm_assessments",
        help_text=_("The source this assessment rests on, if one."),
    )
    assessor = models.CharField(
        _("assessed by"),
        max_length=200,
        blank=True,
        help_text=_("Who made this assessment (an organisation, this team)."),
    )
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=20, choices=HarmGrade.choices)
    killed_children = _count("killed", "children")
    killed_women = _count("killed", "women")
    killed_men = _count("killed", "men")
    killed_unknown = _count("killed", "unknown")
    killed_max = models.PositiveIntegerField(
        _("killed: at most"), null=True, blank=True, help_text=_("When a source gives a range.")
    )
    injured_children = _count("injured", "children")
    injured_women = _count("injured", "women")
    injured_men = _count("injured", "men")
    injured_unknown = _count("injured", "unknown")
    injured_max = models.PositiveIntegerField(
        _("injured: at most"), null=True, blank=True, help_text=_("When a source gives a range.")
    )
    died_later_children = _count("died_later", "children")
    died_later_women = _count("died_later", "women")
    died_later_men = _count("died_later", "men")
    died_later_unknown = _count("died_later", "unknown")
    abducted_children = _count("abducted", "children")
    abducted_women = _count("abducted", "women")
    abducted_men = _count("abducted", "men")
    abducted_unknown = _count("abducted", "unknown")
    displaced_children = _count("displaced", "children")
    displaced_women = _count("displaced", "women")
    displaced_men = _count("displaced", "men")
    displaced_unknown = _count("displaced", "unknown")
    objects_hit = ArrayField(
        models.CharField(max_length=20, choices=CivilianObject.choices),
        default=list,
        blank=True,
        verbose_name=_("civilian objects hit"),
    )
    alleged_perpetrator = models.ForeignKey(
        "actors.Actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("alleged perpetrator"),
    )
    means = ArrayField(
        models.CharField(max_length=20, choices=HarmMeans.choices),
        default=list,
        blank=True,
        verbose_name=_("means"),
        help_text=_("Empty when not known."),
    )
    drone_type = models.CharField(
        _("drone type"),
        max_length=100,
        blank=True,
        help_text=_("Where known (e.g. Bayraktar TB2, Akinci)."),
    )
    strikes = models.PositiveSmallIntegerField(_("number of strikes"), null=True, blank=True)
    assessment = models.TextField(
        _("assessment"), blank=True, help_text=_("Why this grade; what is uncertain.")
    )

    class Meta:
        verbose_name = _("civilian-harm assessment")
        verbose_name_plural = _("civilian-harm assessments")
        ordering = ["incident", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__in=HarmGrade.values), name="harm_grade_valid"
            ),
            models.CheckConstraint(
                condition=Q(means__contained_by=HarmMeans.values), name="harm_means_valid"
            ),
            models.CheckConstraint(
                condition=Q(objects_hit__contained_by=CivilianObject.values),
                name="harm_objects_hit_valid",
            ),
            models.CheckConstraint(
                condition=Q(drone_type="") | Q(means__contains=[HarmMeans.DRONE_STRIKE]),
                name="harm_drone_type_with_drone_strike",
                violation_error_message=_("A drone type goes with a drone strike among the means."),
            ),
            models.CheckConstraint(
                condition=Q(killed_max__isnull=True) | Q(killed_max__gte=_total("killed")),
                name="harm_killed_max_covers_counts",
                violation_error_message=_("The maximum killed is below the sum of the counts."),
            ),
            models.CheckConstraint(
                condition=Q(injured_max__isnull=True) | Q(injured_max__gte=_total("injured")),
                name="harm_injured_max_covers_counts",
                violation_error_message=_("The maximum injured is below the sum of the counts."),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"died_later_{c}__isnull": True})
                    | Q(**{f"killed_{c}__isnull": True})
                    | Q(**{f"died_later_{c}__lte": F(f"killed_{c}")}),
                    name=f"harm_died_later_{c}_among_killed",
                    violation_error_message=_(
                        "Those who died later are counted among the killed of their category."
                    ),
                )
                for c in ("children", "women", "men")
            ],
            models.CheckConstraint(
                condition=Q(died_later_unknown__isnull=True)
                | Q(killed_max__isnull=False, died_later_unknown__lte=F("killed_max"))
                | Q(killed_max__isnull=True, died_later_unknown__lte=_total("killed")),
                name="harm_died_later_among_killed",
                violation_error_message=_("Those who died later are counted among the killed."),
            ),
        ]
        triggers = [touch_updated_at("harm_touch_updated_at"), *HARM_MAPCELL_TRIGGERS]

    def __str__(self) -> str:
        return f"Civilian harm in #{self.incident_id} ({self.get_grade_display()})"

    def total(self, outcome: str) -> int | None:
        """The sum of an outcome's counts, or None when every category is unknown."""
        counts = [getattr(self, f"{outcome}_{c}") for c in HARM_CATEGORIES]
        known = [n for n in counts if n is not None]
        return sum(known) if known else None

    @property
    def objects_hit_labels(self) -> list[str]:
        return [str(CivilianObject(v).label) for v in self.objects_hit]

    @property
    def means_labels(self) -> list[str]:
        return [str(HarmMeans(v).label) for v in self.means]

    @property
    def killed_total(self) -> int | None:
        return self.total("killed")

    @property
    def injured_total(self) -> int | None:
        return self.total("injured")


class AgeGroup(models.TextChoices):
    CHILD = "child", _("child (under 18)")
    ADULT = "adult", _("adult")
    ELDERLY = "elderly", _("elderly (60 or older)")
    UNKNOWN = "unknown", _("unknown")


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    UNKNOWN = "unknown", _("unknown")


class VictimStatus(models.TextChoices):
    KILLED = "killed", _("killed")
    DIED_LATER = "died_later", _("died later of injuries")
    INJURED = "injured", _("injured")
    ABDUCTED = "abducted", _("abducted")


ADULT_AGE, ELDERLY_AGE = 18, 60


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Victim(models.Model):
    """One person harmed, as an assessment describes them. Age in years, or in months for a
    child under three; the age group must agree with the age (an 18-year-old is not a child)."""

    report = models.ForeignKey(CivilianHarmReport, on_delete=models.CASCADE, related_name="victims")
    # Personal data: only roles with incidents.view_personal_data may see it.
    name = models.CharField(_("name"), max_length=200, blank=True, help_text=_("Sensitive."))
    age_years = models.PositiveSmallIntegerField(_("age (years)"), null=True, blank=True)
    age_months = models.PositiveSmallIntegerField(
        _("age (months)"), null=True, blank=True, help_text=_("For a child under three.")
    )
    age_approximate = models.BooleanField(_("age approximate"), default=False)
    age_group = models.CharField(
        _("age group"), max_length=10, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN
    )
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    status = models.CharField(_("status"), max_length=12, choices=VictimStatus.choices)
    death_or_treatment_date = models.DateField(
        _("date of death or treatment"), null=True, blank=True
    )
    death_or_treatment_date_end = models.DateField(
        _("until (when only a period is known)"), null=True, blank=True
    )
    death_or_treatment_place = models.CharField(
        _("place of death or treatment"), max_length=300, blank=True
    )
    injury = models.TextField(_("injury"), blank=True, help_text=_("Sensitive."))
    notes = models.TextField(_("notes"), blank=True, help_text=_("Sensitive."))

    class Meta:
        verbose_name = _("victim")
        verbose_name_plural = _("victims")
        ordering = ["report", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_years__isnull=True) | Q(age_years__lte=120),
                name="victim_age_plausible",
            ),
            models.CheckConstraint(
                condition=Q(age_months__isnull=True) | Q(age_years__isnull=True, age_months__lt=36),
                name="victim_age_in_years_or_months",
                violation_error_message=_(
                    "Give the age in years, or in months for a child under three, not both."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(age_group=AgeGroup.CHILD)
                    & (Q(age_years__isnull=True) | Q(age_years__lt=ADULT_AGE))
                )
                | (
                    Q(age_group=AgeGroup.ADULT, age_months__isnull=True)
                    & (Q(age_years__isnull=True) | Q(age_years__gte=ADULT_AGE))
                )
                | (
                    Q(age_group=AgeGroup.ELDERLY, age_months__isnull=True)
                    & (Q(age_years__isnull=True) | Q(age_years__gte=ELDERLY_AGE))
                )
                | Q(age_group=AgeGroup.UNKNOWN, age_years__isnull=True, age_months__isnull=True),
                name="victim_age_matches_group",
                violation_error_message=_(
                    "The age group does not match the age: under 18 is a child, 18 or older an "
                    "adult, 60 or older may be elderly; a known age needs its group."
                ),
            ),
            models.CheckConstraint(
                condition=Q(age_group__in=AgeGroup.values), name="victim_age_group_valid"
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="victim_sex_valid"),
            models.CheckConstraint(
                condition=Q(status__in=VictimStatus.values), name="victim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(death_or_treatment_date_end__isnull=True)
                | Q(
                    death_or_treatment_date__isnull=False,
                    death_or_treatment_date_end__gte=F("death_or_treatment_date"),
                ),
                name="victim_dates_ordered",
                violation_error_message=_("The end of the period cannot be before its start."),
            ),
        ]

    def __str__(self) -> str:
        return f"Victim {self.pk} of #{self.report.incident_id}"
