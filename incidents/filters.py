"""The one FilterSet of incidents (django-filter), shared by the map, the list, exports and the
API, so that a filter means the same thing wherever it is used.

A malformed value is an error naming the parameter, never a silently empty result:
`IncidentFilterSet(...).is_valid()` is False and `.errors` says which parameter and why.
"""

from collections import defaultdict

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from actors.models import Actor, ActorKind
from actors.names import Normalise
from actors.selectors import FOREVER, NEVER, actor_group_windows
from incidents.geo.countries import COUNTRIES
from incidents.models import CivilianHarmReport, GeoPrecision, Incident, IncidentActor
from incidents.taxonomy import EventType, SubEventType


def incidents_by_actors(queryset: QuerySet, actor_ids: list[int], *, members: bool) -> QuerySet:
    """Incidents in which the actors took part under any of their names (a renamed group is
    one organisation, before and after: ISSP over 2020 finds ISGS's incidents), and with
    `members` their member groups while they were members (JNIM finds Katiba Macina's incidents
    from March 2017)."""
    by_period: dict[tuple, list[int]] = defaultdict(list)
    for window in actor_group_windows(actor_ids, members=members):
        by_period[(window.start, window.end)].append(window.actor_id)
    condition = Q(pk__in=[])
    for (start, end), ids in by_period.items():
        took_part = Exists(IncidentActor.objects.filter(incident=OuterRef("pk"), actor_id__in=ids))
        within = Q()
        if start != NEVER:
            within &= Q(date_start__gte=start)
        if end != FOREVER:
            within &= Q(date_start__lte=end)
        condition |= within & Q(took_part)
    return queryset.filter(condition)


class ActorsField(forms.CharField):
    """Comma-separated actor slugs or ids -> actor ids; unknown ones are an error naming them."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        wanted = [v.strip() for v in value.split(",") if v.strip()]
        ids = {
            str(pk): pk
            for pk in Actor.objects.filter(pk__in=[w for w in wanted if w.isdigit()]).values_list(
                "pk", flat=True
            )
        }
        ids.update(Actor.objects.filter(slug__in=wanted).values_list("slug", "pk"))
        unknown = [w for w in wanted if w not in ids]
        if unknown:
            raise ValidationError(
                _("no such actor: %(names)s"), params={"names": ", ".join(unknown)}
            )
        return [ids[w] for w in wanted]


class ActorsFilter(django_filters.Filter):
    field_class = ActorsField

    def filter(self, qs: QuerySet, value: list[int] | None) -> QuerySet:
        if not value:
            return qs
        members = bool(self.parent.form.cleaned_data.get("actor_members"))
        return incidents_by_actors(qs, value, members=members)


def known_countries(value: str) -> None:
    """A country code the monitor does not cover would select nothing: said, not answered empty."""
    unknown = sorted({c.strip().upper() for c in value.split(",") if c.strip()} - set(COUNTRIES))
    if unknown:
        raise ValidationError(
            _("no incidents are coded to %(codes)s: this monitor covers %(known)s")
            % {"codes": ", ".join(unknown), "known": ", ".join(COUNTRIES)}
        )


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


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """Comma-separated whole numbers (ids)."""


# `ordering` values -> the fields incidents are sorted by (the id breaks ties, so that an order is
# total and a cursor can resume it). `updated_at` is the order to sync by.
ORDERINGS = {
    "date_start": ("date_start", "id"),
    "-date_start": ("-date_start", "-id"),
    "updated_at": ("updated_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
    "id": ("id",),
    "-id": ("-id",),
}
DEFAULT_ORDERING = "-date_start"


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
    country = django_filters.CharFilter(
        field_name="country_code",
        method="filter_countries",
        validators=[
            RegexValidator(
                r"^\s*[A-Za-z]{2}(\s*,\s*[A-Za-z]{2})*\s*$",
                _("give ISO alpha-2 country codes, comma-separated (ML,BF,NE)"),
            ),
            known_countries,
        ],
        label=_("countries (ISO alpha-2, comma-separated)"),
    )
    geo_precision = django_filters.MultipleChoiceFilter(
        choices=GeoPrecision.choices, label=_("geo precision")
    )
    admin1 = NumberInFilter(field_name="admin1_id", label=_("admin1 areas (ids, comma-separated)"))
    admin2 = NumberInFilter(field_name="admin2_id", label=_("admin2 areas (ids, comma-separated)"))
    fatalities_min = django_filters.NumberFilter(
        field_name="fatalities_best",
        lookup_expr="gte",
        min_value=0,
        label=_("at least this many killed (best estimate)"),
    )
    civilian_harm = django_filters.BooleanFilter(
        method="filter_civilian_harm",
        label=_("civilian harm only"),
        widget=forms.CheckboxInput,
    )
    q = django_filters.CharFilter(method="filter_text", label=_("words (title, place, narrative)"))
    actor = ActorsFilter(label=_("actors (slugs or ids, comma-separated)"))
    actor_kind = django_filters.MultipleChoiceFilter(
        choices=ActorKind.choices, method="filter_actor_kind", label=_("kind of actor")
    )
    actor_members = django_filters.BooleanFilter(
        method="members_are_read_by_the_actor_filter",
        label=_("include member groups"),
        widget=forms.CheckboxInput,
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("changed at or after (ISO 8601 date and time)"),
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(value, value) for value in ORDERINGS],
        method="filter_ordering",
        empty_label=None,
        label=_("order (date_start, updated_at or id; - for descending)"),
    )

    class Meta:
        model = Incident
        fields = [
            "bbox",
            "date_from",
            "date_to",
            "event_type",
            "sub_event_type",
            "country",
            "geo_precision",
            "admin1",
            "admin2",
            "fatalities_min",
            "civilian_harm",
            "q",
            "actor",
            "actor_members",
            "actor_kind",
            "updated_since",
            "ordering",
        ]

    def members_are_read_by_the_actor_filter(self, queryset, name, value):
        return queryset

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value or DEFAULT_ORDERING])

    @property
    def ordering_fields(self) -> tuple[str, ...]:
        """The order the `ordering` parameter asks for (the default when it is not given)."""
        value = self.form.cleaned_data.get("ordering") if self.is_valid() else None
        return ORDERINGS[value or DEFAULT_ORDERING]

    def filter_countries(self, queryset, name, value):
        codes = [c.strip().upper() for c in value.split(",") if c.strip()]
        return queryset.filter(country_code__in=codes) if codes else queryset

    def filter_civilian_harm(self, queryset, name, value):
        """Civilians were targeted, are counted among the dead, or an assessment records harm."""
        if not value:
            return queryset
        assessed = CivilianHarmReport.objects.filter(incident=OuterRef("pk"))
        return queryset.filter(
            Q(civilian_targeting=True) | Q(killed_civilians_best__gt=0) | Q(Exists(assessed))
        )

    def filter_text(self, queryset, name, value):
        words = SearchQuery(Normalise(Value(value)), search_type="plain", config="simple")
        return queryset.filter(search=words)

    def filter_actor_kind(self, queryset, name, value):
        if not value:
            return queryset
        kinds = IncidentActor.objects.filter(incident=OuterRef("pk"), actor__kind__in=value)
        return queryset.filter(Exists(kinds))


def filter_errors(filterset: django_filters.FilterSet) -> dict[str, list[str]]:
    """The filter errors as {parameter: [messages]}, for a 400 answer."""
    return {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
