"""Armed actors, their aliases, and their typed, dated relations.

Coded after ACLED's actor conventions (one actor per organisation; civilians and unidentified
groups per country) with UCDP-style dated relations, so that "incidents by JNIM" can include its
member groups and an actor's renaming does not split its record.
"""

import pghistory
import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from actors.names import Normalise
from config.triggers import touch_updated_at

# The actor catalogue's load (actors/services.py) says so for its own transaction; any other
# change to a catalogue row (an editor on the site's pages, an admin, a shell) makes it the
# editors' own: later catalogue releases no longer update or remove it.
CATALOGUE_LOAD_SETTING = "actors.catalogue_load"
CATALOGUE_HELP = _(
    "Kept in step with the reference catalogue; a change by anyone else ends it (the catalogue "
    "no longer updates or removes it)."
)


def catalogue_edited(name: str) -> pgtrigger.Trigger:
    """Clears `catalogue` when a catalogue row's content changes outside the catalogue's load,
    whoever writes it (forms, admin, raw SQL), so that no editor's correction is silently
    overwritten by the next release of the catalogue."""
    ignored = " - 'catalogue' - 'updated_at' - 'normalised'"
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        condition=pgtrigger.Condition(
            "OLD.catalogue AND NEW.catalogue AND "
            f"current_setting('{CATALOGUE_LOAD_SETTING}', true) IS DISTINCT FROM 'on'"
        ),
        func=(
            f"IF (to_jsonb(NEW){ignored}) IS DISTINCT FROM (to_jsonb(OLD){ignored}) THEN "
            "NEW.catalogue := false; END IF; RETURN NEW;"
        ),
    )


def period_ordered(start: str, end: str) -> Q:
    """`end` is not before `start` wherever both are known."""
    return (
        Q(**{f"{end}__isnull": True})
        | Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__gte": F(start)})
    )


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class ActorKind(models.TextChoices):
    STATE = "state", _("State force")
    EXTERNAL = "external", _("Foreign / external force")
    PMC = "pmc", _("Private military company")
    REBEL = "rebel", _("Rebel / separatist group")
    JIHADIST = "jihadist", _("Jihadist armed group")
    MILITIA = "militia", _("Identity or self-defence militia")
    CIVILIANS = "civilians", _("Civilians")
    UNIDENTIFIED = "unidentified", _("Unidentified armed group")


class AcledInter(models.IntegerChoices):
    """ACLED's actor-type codes (`inter1`/`inter2`)."""

    STATE_FORCES = 1, _("State forces")
    REBEL_GROUPS = 2, _("Rebel groups")
    POLITICAL_MILITIAS = 3, _("Political militias")
    IDENTITY_MILITIAS = 4, _("Identity militias")
    RIOTERS = 5, _("Rioters")
    PROTESTERS = 6, _("Protesters")
    CIVILIANS = 7, _("Civilians")
    EXTERNAL_FORCES = 8, _("External/other forces")


# What ACLED usually codes each kind as, when an actor has no explicit code of its own.
ACLED_INTER_BY_KIND = {
    ActorKind.STATE: AcledInter.STATE_FORCES,
    ActorKind.EXTERNAL: AcledInter.EXTERNAL_FORCES,
    ActorKind.PMC: AcledInter.EXTERNAL_FORCES,
    ActorKind.REBEL: AcledInter.REBEL_GROUPS,
    ActorKind.JIHADIST: AcledInter.REBEL_GROUPS,
    ActorKind.MILITIA: AcledInter.IDENTITY_MILITIAS,
    ActorKind.CIVILIANS: AcledInter.CIVILIANS,
    ActorKind.UNIDENTIFIED: AcledInter.POLITICAL_MILITIAS,
}


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Actor(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    acronym = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=ActorKind.choices)
    acled_inter = models.PositiveSmallIntegerField(
        _("ACLED actor type"),
        choices=AcledInter.choices,
        null=True,
        blank=True,
        help_text=_("Leave empty to use the usual code for the kind."),
    )
    countries = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        help_text=_("ISO 3166 alpha-2 codes of the countries where it operates, main one first."),
    )
    active_from = models.DateField(null=True, blank=True)
    active_from_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    active_until = models.DateField(null=True, blank=True)
    active_until_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    fighting_party = models.BooleanField(
        default=True,
        help_text=_(
            "Takes part in the fighting. Off for an actor only reported present (a foreign "
            "training company, say), recorded so that reports naming it can be matched."
        ),
    )
    description = models.TextField(blank=True)
    references = models.JSONField(default=list, blank=True)
    catalogue = models.BooleanField(default=False, editable=False, help_text=CATALOGUE_HELP)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ActorKind.values), name="actor_kind_valid"),
            models.CheckConstraint(
                condition=Q(acled_inter__isnull=True) | Q(acled_inter__in=AcledInter.values),
                name="actor_acled_inter_valid",
            ),
            models.CheckConstraint(
                condition=period_ordered("active_from", "active_until"),
                name="actor_active_period_ordered",
                violation_error_message=_("An actor cannot stop being active before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(active_from_precision__in=DatePrecision.values)
                & Q(active_until_precision__in=DatePrecision.values),
                name="actor_date_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(slug__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"), name="actor_slug_format"
            ),
        ]
        indexes = [models.Index(fields=["kind"])]
        triggers = [
            touch_updated_at("actor_touch_updated_at"),
            catalogue_edited("actor_catalogue_edited"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def acled_inter_code(self) -> int:
        return self.acled_inter or ACLED_INTER_BY_KIND[self.kind]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ActorPresence(models.Model):
    """A dated presence of an actor in one country, where it differs from the actor's own active
    period (French forces left Mali in August 2022 but stayed in Niger until December 2023)."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="presences")
    country_code = models.CharField(max_length=2, help_text=_("ISO 3166 alpha-2"))
    start_date = models.DateField(null=True, blank=True)
    start_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    end_date = models.DateField(null=True, blank=True)
    end_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    note = models.TextField(blank=True)
    references = models.JSONField(default=list, blank=True)
    catalogue = models.BooleanField(default=False, editable=False, help_text=CATALOGUE_HELP)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        ordering = ["actor", "country_code", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(country_code__regex=r"^[A-Z]{2}$"), name="actor_presence_country"
            ),
            models.CheckConstraint(
                condition=period_ordered("start_date", "end_date"),
                name="actor_presence_period_ordered",
                violation_error_message=_("A presence cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["actor", "country_code", "start_date"],
                nulls_distinct=False,
                name="actor_presence_unique",
            ),
        ]
        triggers = [catalogue_edited("presence_catalogue_edited")]

    def __str__(self) -> str:
        return f"{self.actor} in {self.country_code}"


class AliasKind(models.TextChoices):
    NAME = "name", _("name")
    ACRONYM = "acronym", _("acronym")
    TRANSLITERATION = "transliteration", _("transliteration")
    FORMER_NAME = "former_name", _("former name")
    ACLED = "acled", _("ACLED spelling")
    UCDP = "ucdp", _("UCDP spelling")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ActorAlias(models.Model):
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=250)
    language = models.CharField(
        max_length=8, default="und", help_text=_("ISO 639-1 code (en, fr, ar…) or 'und'.")
    )
    kind = models.CharField(max_length=20, choices=AliasKind.choices, default=AliasKind.NAME)
    # When the name meant this actor ("CSP" was the CSP-PSD in 2022, the CSP-DPA in late 2024);
    # empty bounds: always.
    valid_from = models.DateField(null=True, blank=True)
    valid_from_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    valid_until = models.DateField(null=True, blank=True)
    valid_until_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    references = models.JSONField(
        default=list, blank=True, help_text=_("The sources that show the name in use.")
    )
    catalogue = models.BooleanField(default=False, editable=False, help_text=CATALOGUE_HELP)
    # Computed by the database, so every write path (admin, loaders, raw SQL) agrees.
    normalised = models.GeneratedField(
        expression=Normalise("name"),
        output_field=models.CharField(max_length=250),
        db_persist=True,
    )

    class Meta:
        verbose_name_plural = _("actor aliases")
        ordering = ["actor", "name"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "name"], name="actor_alias_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="actor_alias_name_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=AliasKind.values), name="actor_alias_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(language__regex=r"^([a-z]{2,3})(-[A-Za-z0-9]+)?$"),
                name="actor_alias_language_format",
            ),
            models.CheckConstraint(
                condition=period_ordered("valid_from", "valid_until"),
                name="actor_alias_validity_ordered",
                violation_error_message=_("An alias cannot stop being valid before it starts."),
            ),
        ]
        indexes = [
            models.Index(fields=["normalised"], name="actor_alias_normalised"),
            GinIndex(
                OpClass(F("normalised"), name="gin_trgm_ops"), name="actor_alias_normalised_trgm"
            ),
        ]
        triggers = [catalogue_edited("alias_catalogue_edited")]

    def __str__(self) -> str:
        return self.name


class RelationType(models.TextChoices):
    MEMBER_OF = "member_of", _("member of")
    AFFILIATE_OF = "affiliate_of", _("affiliate of")
    ALLIED_WITH = "allied_with", _("allied with")
    ATTACHED_TO = "attached_to", _("attached to")
    RENAMED_TO = "renamed_to", _("renamed to")
    SUCCEEDED_BY = "succeeded_by", _("succeeded by")
    SPLIT_FROM = "split_from", _("split from")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ActorRelation(models.Model):
    """A typed, dated edge: `source` is <type> `target` (Ansar Dine is member of JNIM)."""

    source = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="relations_in")
    type = models.CharField(max_length=20, choices=RelationType.choices)
    start_date = models.DateField(null=True, blank=True)
    start_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    end_date = models.DateField(null=True, blank=True)
    end_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    countries = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        help_text=_(
            "ISO 3166 alpha-2 codes of the countries where the relation holds (Wagner was "
            "succeeded by Africa Corps in Mali); empty: wherever both actors are."
        ),
    )
    note = models.TextField(blank=True)
    references = models.JSONField(
        default=list, blank=True, help_text=_("The sources that establish the relation.")
    )
    catalogue = models.BooleanField(default=False, editable=False, help_text=CATALOGUE_HELP)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        ordering = ["source", "type", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")),
                name="actor_relation_not_to_itself",
                violation_error_message=_("An actor cannot be related to itself."),
            ),
            models.CheckConstraint(
                condition=Q(type__in=RelationType.values), name="actor_relation_type_valid"
            ),
            models.CheckConstraint(
                condition=period_ordered("start_date", "end_date"),
                name="actor_relation_period_ordered",
                violation_error_message=_("A relation cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["source", "target", "type", "start_date"],
                nulls_distinct=False,
                name="actor_relation_unique",
            ),
        ]
        triggers = [catalogue_edited("relation_catalogue_edited")]

    def __str__(self) -> str:
        return f"{self.source} {self.get_type_display()} {self.target}"
