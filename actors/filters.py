"""The one FilterSet of actors (django-filter): the directory's search, kind and country.

A malformed value is an error naming the parameter, never a silently empty result."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.translation import gettext_lazy as _

from actors.models import ActorAlias, ActorKind, ActorPresence
from actors.names import Normalise


class ActorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_name",
        max_length=200,
        label=_("name (any name, acronym or spelling)"),
    )
    kind = django_filters.ChoiceFilter(choices=ActorKind.choices, label=_("kind of actor"))
    country = django_filters.CharFilter(
        method="filter_country",
        validators=[RegexValidator(r"^[A-Za-z]{2}$", _("give an ISO alpha-2 country code (ML)"))],
        label=_("country (ISO alpha-2)"),
    )

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Actors one of whose names (name, French name, acronym, aliases) contains the text once
        both are normalised: case, accents and punctuation do not matter ("groupe de soutien a
        l'islam" finds JNIM). `matched_alias` is the first alias that contains it, to show
        under which name an actor was found."""
        text = Normalise(Value(value))
        aliases = ActorAlias.objects.filter(actor=OuterRef("pk"), normalised__contains=text)
        return (
            queryset.alias(
                normalised_name=Normalise("name"),
                normalised_name_fr=Normalise("name_fr"),
                normalised_acronym=Normalise("acronym"),
            )
            .filter(
                Q(Exists(aliases))
                | Q(normalised_name__contains=text)
                | Q(normalised_name_fr__contains=text)
                | Q(normalised_acronym__contains=text)
            )
            .annotate(matched_alias=Subquery(aliases.order_by("name").values("name")[:1]))
        )

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Actors operating in the country: in their countries, or with a presence there."""
        code = value.upper()
        present = ActorPresence.objects.filter(actor=OuterRef("pk"), country_code=code)
        return queryset.filter(Q(countries__contains=[code]) | Q(Exists(present)))
