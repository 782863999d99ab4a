"""Administrative areas (country / admin1 / admin2 polygons) and the gazetteer (places and their
names). Incidents and places get their admin areas from these polygons, in the database."""

import pgtrigger
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from actors.names import Normalise
from config.triggers import touch_updated_at


class AdminLevel(models.IntegerChoices):
    COUNTRY = 0, _("country")
    ADMIN1 = 1, _("admin1 (region / province)")
    ADMIN2 = 2, _("admin2 (cercle / province / department)")


class BoundarySource(models.TextChoices):
    BUILTIN = "builtin", _("built-in simplified set")
    WHOSONFIRST = "wof", _("Who's On First")
    OCHA = "ocha", _("OCHA COD-AB")
    GEOBOUNDARIES = "geoboundaries", _("geoBoundaries")
    NATURAL_EARTH = "naturalearth", _("Natural Earth")


class AdminArea(models.Model):
    level = models.PositiveSmallIntegerField(choices=AdminLevel.choices)
    country_code = models.CharField(max_length=2, help_text=_("ISO 3166 alpha-2"))
    code = models.CharField(
        max_length=60, help_text=_("ISO 3166-2 code, P-code or the publisher's identifier")
    )
    name_en = models.CharField(max_length=200)
    name_fr = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    source = models.CharField(max_length=20, choices=BoundarySource.choices)
    source_id = models.CharField(max_length=100, blank=True)
    geom = models.MultiPolygonField(srid=4326)
    # Filled by a trigger from `geom`.
    geom_simplified = models.MultiPolygonField(srid=4326, null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("admin area")
        verbose_name_plural = _("admin areas")
        ordering = ["country_code", "level", "name_en"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="admin_area_unique_code"),
            models.CheckConstraint(condition=Q(level__in=[0, 1, 2]), name="admin_area_level_valid"),
            models.CheckConstraint(
                condition=Q(country_code__regex=r"^[A-Z]{2}$"),
                name="admin_area_country_code_format",
            ),
            models.CheckConstraint(
                condition=Q(source__in=BoundarySource.values), name="admin_area_source_valid"
            ),
            models.CheckConstraint(
                condition=(Q(level=0) & Q(parent__isnull=True)) | Q(level__gt=0),
                name="admin_area_country_has_no_parent",
            ),
        ]
        indexes = [models.Index(fields=["country_code", "level"])]
        triggers = [
            # The functions are in incidents/sql/geography.sql.
            pgtrigger.Trigger(
                name="admin_area_simplify",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("geom"),
                func="RETURN incidents_admin_area_simplified(NEW);",
            ),
            pgtrigger.Trigger(
                name="admin_area_subdivide",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("geom", "level", "country_code"),
                func="PERFORM incidents_admin_area_subdivide(NEW.id); RETURN NULL;",
            ),
            # Renames too: the map's cached base layer is keyed on the latest change.
            touch_updated_at("admin_area_touch_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.code})"


class AdminAreaPart(models.Model):
    """A small piece of an admin area (ST_Subdivide), kept by a trigger on AdminArea; point-in-area
    lookups on these pieces stay fast however detailed the published boundaries are."""

    area = models.ForeignKey(AdminArea, on_delete=models.CASCADE, related_name="parts")
    level = models.PositiveSmallIntegerField()
    country_code = models.CharField(max_length=2)
    geom = models.PolygonField(srid=4326)

    class Meta:
        indexes = [models.Index(fields=["level"])]


class PlaceSource(models.TextChoices):
    GEONAMES = "geonames", _("GeoNames")
    BUILTIN = "builtin", _("built-in gazetteer")


class Place(models.Model):
    """A gazetteer entry, as GeoNames publishes it (feature class and code, admin codes,
    population), with its admin areas derived from the polygons."""

    source = models.CharField(max_length=20, choices=PlaceSource.choices)
    source_id = models.CharField(max_length=40, help_text=_("e.g. the GeoNames id"))
    name = models.CharField(max_length=200)
    ascii_name = models.CharField(max_length=200, blank=True)
    feature_class = models.CharField(max_length=1, blank=True)
    feature_code = models.CharField(max_length=10, blank=True)
    country_code = models.CharField(max_length=2)
    admin1_code = models.CharField(max_length=40, blank=True)
    admin2_code = models.CharField(max_length=80, blank=True)
    population = models.BigIntegerField(default=0)
    point = models.PointField(srid=4326)
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
    modified_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("gazetteer place")
        verbose_name_plural = _("gazetteer places")
        ordering = ["country_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="place_unique_source_id"),
            models.CheckConstraint(
                condition=Q(source__in=PlaceSource.values), name="place_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(population__gte=0), name="place_population_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["country_code", "feature_class"]),
            models.Index(fields=["-population"], name="place_population_desc"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="place_admin_areas_derive",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("point"),
                func="RETURN incidents_place_placed(NEW);",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_code}, {self.feature_code or self.feature_class})"


class PlaceName(models.Model):
    """One name of a place (its main name, ASCII form or an alternate spelling), normalised by the
    database for exact and trigram (fuzzy) matching."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=300)
    is_primary = models.BooleanField(default=False)
    normalised = models.GeneratedField(
        expression=Normalise("name"),
        output_field=models.CharField(max_length=300),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="place_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="place_name_not_empty"),
        ]
        indexes = [
            models.Index(fields=["normalised"], name="place_name_normalised"),
            GinIndex(OpClass(F("normalised"), name="gin_trgm_ops"), name="place_name_trgm"),
        ]

    def __str__(self) -> str:
        return self.name


class ReferenceDataset(models.Model):
    """What reference data is loaded, from where, and its fingerprint: loaders skip a file whose
    fingerprint has not changed, and the about page lists sources with their attribution."""

    name = models.CharField(max_length=100, unique=True, help_text=_("e.g. geonames:ML"))
    source = models.CharField(max_length=1000, help_text=_("URL or path it was loaded from"))
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    attribution = models.CharField(max_length=300, blank=True)
    licence = models.CharField(max_length=100, blank=True)
    loaded_at = models.DateTimeField(db_default=Now())

    class Meta:
        verbose_name = _("reference dataset")
        verbose_name_plural = _("reference datasets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
