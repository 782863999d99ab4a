"""The one FilterSet of incidents (django-filter), shared by the map, the list, exports and the
API, so that a filter means the same thing wherever it is used.

A malformed value is an error naming the parameter, never a silently empty result:
`IncidentFilterSet(...).is_valid()` is False and `.errors` says which parameter and why.
"""

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from incidents.taxonomy import EventType, SubEventType


def parse_bbox(value: str) -> Polygon:
    """'west,south,east,north' in degrees -> a polygon; ValidationError when malformed."""
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        raise ValidationError(_("bbox needs four numbers: west,south,east,north")) from None
    if len(parts) != 4:
        raise ValidationError(_("bbox needs four numbers: west,south,east,north"))
    west, south, east, north = parts
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationError(_("bbox must be west,south,east,north within -180..180 and -90..90"))
    polygon = Polygon.from_bbox((west, south, east, north))
    polygon.srid = 4326
    return polygon


class BBoxField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return parse_bbox(value) if value else None


class BBoxFilter(django_filters.Filter):
    """Incidents whose location lies in a 'west,south,east,north' box."""

    field_class = BBoxField

    def filter(self, qs: QuerySet, value: Polygon | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(location__intersects=value)


class IncidentFilterSet(django_filters.FilterSet):
    bbox = BBoxFilter(label=_("bounding box (west,south,east,north)"))
    date_from = django_filters.DateFilter(
        field_name="date_end", lookup_expr="gte", label=_("from (date)")
    )
    date_to = django_filters.DateFilter(
        field_name="date_start", lookup_expr="lte", label=_("to (date)")
    )
    event_type = django_filters.MultipleChoiceFilter(choices=EventType.choices)
    sub_event_type = django_filters.MultipleChoiceFilter(choices=SubEventType.choices)
    country = django_filters.CharFilter(field_name="country_code", label=_("country (ISO alpha-2)"))

    class Meta:
        model = Incident
        fields = ["bbox", "date_from", "date_to", "event_type", "sub_event_type", "country"]


def filter_errors(filterset: django_filters.FilterSet) -> dict[str, list[str]]:
    """The filter errors as {parameter: [messages]}, for a 400 answer."""
    return {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
