"""Civilian harm per incident, graded on Airwars' scale, with optional per-victim records.

Victim names and notes are personal data: only roles with incidents.view_personal_data see them.
"""

import pghistory
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.triggers import touch_updated_at
from incidents.models.incident import Attributed, Incident


class HarmGrade(models.TextChoices):
    """Airwars' civilian-harm grading."""

    CONFIRMED = "confirmed", _("confirmed: a belligerent accepted responsibility")
    FAIR = "fair", _("fair: two or more credible sources, belligerent action likely")
    WEAK = "weak", _("weak: a single-source claim")
    CONTESTED = "contested", _("contested: competing claims of responsibility")
    DISCOUNTED = "discounted", _("discounted: combatants, or another party most likely")


class HarmMeans(models.TextChoices):
    AIR_DRONE_STRIKE = "air_drone_strike", _("air or drone strike")
    ARTILLERY = "artillery", _("shelling / artillery")
    IED = "ied", _("IED / landmine")
    SUICIDE_ATTACK = "suicide_attack", _("suicide attack")
    SMALL_ARMS = "small_arms", _("small arms / shooting")
    EXECUTION = "execution", _("summary execution")
    ARSON = "arson", _("arson / burning")
    SEXUAL_VIOLENCE = "sexual_violence", _("sexual violence")
    OTHER = "other", _("other")
    UNKNOWN = "unknown", _("unknown")


KILLED = ("killed_children", "killed_women", "killed_men", "killed_unknown")
INJURED = ("injured_children", "injured_women", "injured_men", "injured_unknown")


def _sum(fields):
    total = F(fields[0])
    for name in fields[1:]:
        total = total + F(name)
    return total


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CivilianHarmReport(Attributed):
    """Counts are the numbers known for sure ("at least"); `killed_max` / `injured_max` bound them
    from above when a source gives a range."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="civilian_harm"
    )
    killed_children = models.PositiveIntegerField(default=0)
    killed_women = models.PositiveIntegerField(default=0)
    killed_men = models.PositiveIntegerField(default=0)
    killed_unknown = models.PositiveIntegerField(
        default=0, help_text=_("Killed civilians whose age or sex is not known.")
    )
    killed_max = models.PositiveIntegerField(null=True, blank=True)
    injured_children = models.PositiveIntegerField(default=0)
    injured_women = models.PositiveIntegerField(default=0)
    injured_men = models.PositiveIntegerField(default=0)
    injured_unknown = models.PositiveIntegerField(default=0)
    injured_max = models.PositiveIntegerField(null=True, blank=True)
    died_later = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Of those killed, how many died later of their injuries (empty if unknown)."),
    )
    alleged_perpetrator = models.ForeignKey(
        "actors.Actor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    means = models.CharField(max_length=30, choices=HarmMeans.choices, default=HarmMeans.UNKNOWN)
    grade = models.CharField(max_length=20, choices=HarmGrade.choices)
    assessment = models.TextField(blank=True, help_text=_("Why this grade; what is uncertain."))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__in=HarmGrade.values), name="harm_grade_valid"
            ),
            models.CheckConstraint(
                condition=Q(means__in=HarmMeans.values), name="harm_means_valid"
            ),
            models.CheckConstraint(
                condition=Q(killed_max__isnull=True) | Q(killed_max__gte=_sum(KILLED)),
                name="harm_killed_max_covers_counts",
                violation_error_message=_("The maximum killed is below the sum of the counts."),
            ),
            models.CheckConstraint(
                condition=Q(injured_max__isnull=True) | Q(injured_max__gte=_sum(INJURED)),
                name="harm_injured_max_covers_counts",
                violation_error_message=_("The maximum injured is below the sum of the counts."),
            ),
            models.CheckConstraint(
                # Each branch is NOT NULL-guarded: a CHECK that evaluates to NULL passes.
                condition=Q(died_later__isnull=True)
                | (Q(killed_max__isnull=False) & Q(died_later__lte=F("killed_max")))
                | (Q(killed_max__isnull=True) & Q(died_later__lte=_sum(KILLED))),
                name="harm_died_later_among_killed",
                violation_error_message=_("Those who died later are counted among the killed."),
            ),
        ]
        triggers = [touch_updated_at("harm_touch_updated_at")]

    def __str__(self) -> str:
        return f"Civilian harm in #{self.incident_id} ({self.get_grade_display()})"

    @property
    def killed_total(self) -> int:
        return sum(getattr(self, name) for name in KILLED)

    @property
    def injured_total(self) -> int:
        return sum(getattr(self, name) for name in INJURED)


class AgeGroup(models.TextChoices):
    CHILD = "child", _("child (under 18)")
    ADULT = "adult", _("adult")
    ELDERLY = "elderly", _("elderly")
    UNKNOWN = "unknown", _("unknown")


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    UNKNOWN = "unknown", _("unknown")


class VictimOutcome(models.TextChoices):
    KILLED = "killed", _("killed")
    DIED_LATER = "died_later", _("died later of injuries")
    INJURED = "injured", _("injured")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Victim(models.Model):
    report = models.ForeignKey(CivilianHarmReport, on_delete=models.CASCADE, related_name="victims")
    # Personal data: only roles with incidents.view_personal_data may see it.
    name = models.CharField(max_length=200, blank=True, help_text=_("Sensitive."))
    age_years = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("0 for infants under a year.")
    )
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN)
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    outcome = models.CharField(max_length=12, choices=VictimOutcome.choices)
    notes = models.TextField(blank=True, help_text=_("Sensitive."))

    class Meta:
        ordering = ["report", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_years__isnull=True) | Q(age_years__lte=120),
                name="victim_age_plausible",
            ),
            models.CheckConstraint(
                condition=Q(age_years__isnull=True)
                | Q(age_years__gte=18)
                | Q(age_group__in=[AgeGroup.CHILD, AgeGroup.UNKNOWN]),
                name="victim_age_matches_group",
                violation_error_message=_("A victim under 18 is a child."),
            ),
            models.CheckConstraint(
                condition=Q(age_group__in=AgeGroup.values), name="victim_age_group_valid"
            ),
            models.CheckConstraint(
                condition=Q(gender__in=Gender.values), name="victim_gender_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=VictimOutcome.values), name="victim_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Victim {self.pk} of #{self.report.incident_id}"
