"""The editors' incident form (incidents/editing.py): the incident, its participants, its sources
with their claims, its civilian-harm assessments and their victims.

Forms parse and check what an editor typed, with each message at the field it concerns; the
services (incidents/services.py) write it and the database has the last word (their errors are
put back on the fields by incidents/editing.py). Nothing here writes.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from actors.models import Actor, ActorAlias
from incidents.geo.models import AdminArea
from incidents.models import (
    ESTIMATES,
    CivilianHarmReport,
    CivilianObject,
    Claim,
    HarmMeans,
    Incident,
    IncidentActor,
    Source,
    Victim,
)
from incidents.models.harm import CATEGORY_LABELS, HARM_CATEGORIES, OUTCOME_LABELS
from incidents.models.rules import country_name
from incidents.precision import DATE_RANGE_WIDTHS
from incidents.taxonomy import SUB_EVENT_TYPES, SubEventType, sub_event_types_of

SAHEL_COUNTRIES = ("ML", "BF", "NE")
BOUNDS = ("low", "best", "high")
ESTIMATE_FIELDS = [f"{prefix}_{bound}" for prefix in ESTIMATES for bound in BOUNDS]


def estimate_rows(form, prefixes) -> list[tuple[str, list]]:
    """(what is counted, [low, best, high] fields) for a grid of estimates."""
    rows = []
    for prefix in prefixes:
        label = str(form[f"{prefix}_low"].label).rsplit(" (", 1)[0]
        rows.append((label, [form[f"{prefix}_{bound}"] for bound in BOUNDS]))
    return rows


# --- Actors, chosen by any of their names ----------------------------------------------------


def _period(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return ""
    first = str(start.year) if start else "…"
    last = str(end.year) if end else "…"
    return f" ({first}–{last})"


def actor_choices() -> list[tuple[str, int]]:
    """Every name an actor is known by, as the picker lists it ("alias — actor (period the alias
    meant it)"), with the actor's id; the actor's own name first. Sorted by the label."""
    french = (get_language() or "en").startswith("fr")
    labels: dict[str, int] = {}
    for actor in Actor.objects.order_by("name"):
        name = (actor.name_fr if french else "") or actor.name
        short = f" ({actor.acronym})" if actor.acronym else ""
        labels.setdefault(f"{name}{short}", actor.pk)
    aliases = ActorAlias.objects.select_related("actor").order_by("name")
    for alias in aliases:
        actor = alias.actor
        name = (actor.name_fr if french else "") or actor.name
        if alias.name in (actor.name, actor.name_fr):
            continue
        period = _period(alias.valid_from, alias.valid_until)
        labels.setdefault(f"{alias.name} — {name}{period}", actor.pk)
    return sorted(labels.items(), key=lambda item: item[0].casefold())


def actor_label(actor: Actor) -> str:
    french = (get_language() or "en").startswith("fr")
    name = (actor.name_fr if french else "") or actor.name
    return f"{name} ({actor.acronym})" if actor.acronym else name


class ActorField(forms.CharField):
    """An actor typed by any of its names and chosen from the registry's list (a <datalist>
    the page shares); the text is kept as typed, the actor is what it names. A name that is no
    label of the list is looked up as an alias, and must name exactly one actor."""

    default_error_messages = {
        "unknown": gettext_lazy("Choose an actor from the list (type any of its names)."),
        "ambiguous": gettext_lazy("This name means more than one actor: choose one from the list."),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": "actor-choices"}))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Actor):
            return actor_label(value)
        if isinstance(value, int):
            actor = Actor.objects.filter(pk=value).first()
            return actor_label(actor) if actor else ""
        return value

    def to_python(self, value):
        text = super().to_python(value).strip()[:400]
        if not text:
            return None
        labels = dict(actor_choices())
        if text in labels:
            return Actor.objects.get(pk=labels[text])
        from actors.selectors import actors_matching_name

        found = list(actors_matching_name(text)[:2])
        if len(found) == 1:
            return found[0]
        raise forms.ValidationError(
            self.error_messages["ambiguous" if found else "unknown"], code="unknown"
        )


# --- The incident ----------------------------------------------------------------------------


class SubEventTypeSelect(forms.Select):
    """Each sub-event type says its event type (data-event-type): the page offers only those of
    the chosen event type (edit.js); the form checks the pair again."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["data-event-type"] = SUB_EVENT_TYPES[SubEventType(value)].event_type
        return option


def _coordinate(text: str, *, low: int, high: int, name: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise forms.ValidationError(
            _("Type the %(name)s as a decimal number of degrees (e.g. 16.7735).") % {"name": name}
        ) from None
    if not value.is_finite() or not low <= value <= high:
        raise forms.ValidationError(
            _("The %(name)s must be from %(low)d to %(high)d.")
            % {"name": name, "low": low, "high": high}
        )
    return value


def areas_at(point: Point) -> tuple[str | None, list[AdminArea]]:
    """The country holding a point (the database's rule: incidents_admin_areas_at) and its
    admin1 and admin2 areas."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT country_code, admin1_id, admin2_id FROM incidents_admin_areas_at("
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
            [point.x, point.y],
        )
        country, *ids = cursor.fetchone() or (None, None, None)
    areas = AdminArea.objects.filter(pk__in=[pk for pk in ids if pk]).order_by("level")
    return country, list(areas)


def area_name(area: AdminArea) -> str:
    return (area.name_fr if (get_language() or "en").startswith("fr") else "") or area.name_en


class IncidentForm(forms.ModelForm):
    """The incident itself. The point is typed (or set by the map or the place search) as
    latitude and longitude, kept exactly as typed; the estimates are the claims' unless
    `fatalities_override` is ticked."""

    latitude = forms.CharField(label=gettext_lazy("latitude"), required=False, max_length=40)
    longitude = forms.CharField(label=gettext_lazy("longitude"), required=False, max_length=40)
    country = forms.ChoiceField(
        label=gettext_lazy("country"),
        required=False,
        help_text=gettext_lazy("A point outside the chosen country is refused."),
    )
    place_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    tags_text = forms.CharField(
        label=gettext_lazy("tags"),
        required=False,
        max_length=600,
        help_text=gettext_lazy("Separated by commas."),
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "date_start",
            "date_end",
            "time_precision",
            "ucdp_date_prec",
            "location_name",
            "geo_precision",
            "ucdp_where_prec",
            "event_type",
            "sub_event_type",
            "civilian_targeting",
            "ucdp_violence_type",
            "fatalities_override",
            *ESTIMATE_FIELDS,
            "narrative",
        ]
        widgets = {
            "date_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "date_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "sub_event_type": SubEventTypeSelect,
            "narrative": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"fatalities_override": gettext_lazy("set the estimates by hand")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—")] + [
            (code, country_name(code)) for code in SAHEL_COUNTRIES
        ]
        for name in ESTIMATE_FIELDS:
            self.fields[name].widget.attrs.update({"min": 0, "class": "estimate"})
        # Required, and no default that would claim the highest precision (precision.py).
        for name in ("time_precision", "geo_precision"):
            self.fields[name].required = True
        self.fields["event_type"].choices = [("", "—"), *self.fields["event_type"].choices[1:]]
        incident = self.instance
        if incident.pk is not None and not self.is_bound:
            if incident.location is not None:
                self.initial["latitude"] = str(incident.location.y)
                self.initial["longitude"] = str(incident.location.x)
            self.initial["country"] = incident.country_code
            self.initial["place_id"] = incident.place_id
            self.initial["tags_text"] = ", ".join(incident.tags)
            self.initial["version"] = getattr(incident, "version", None)
        self.warnings: list[str] = []
        self.point: Point | None = None

    def clean_latitude(self) -> Decimal | None:
        text = self.cleaned_data["latitude"]
        return _coordinate(text, low=-90, high=90, name=_("latitude")) if text.strip() else None

    def clean_longitude(self) -> Decimal | None:
        text = self.cleaned_data["longitude"]
        return _coordinate(text, low=-180, high=180, name=_("longitude")) if text.strip() else None

    def clean_tags_text(self) -> list[str]:
        tags = [t.strip() for t in self.cleaned_data["tags_text"].split(",") if t.strip()]
        if any(len(t) > 60 for t in tags):
            raise forms.ValidationError(_("A tag is at most 60 characters long."))
        return tags

    def clean_place_id(self):
        from incidents.geo.models import Place

        pk = self.cleaned_data["place_id"]
        if pk is not None and not Place.objects.filter(pk=pk).exists():
            return None
        return pk

    def clean(self):
        data = super().clean()
        self._check_dates(data)
        self._check_event_type(data)
        self._check_point(data)
        if data.get("fatalities_override") is False:
            # Derived from the claims: what was typed in the estimates is not used.
            for name in ESTIMATE_FIELDS:
                data.pop(name, None)
        return data

    def _check_dates(self, data) -> None:
        start, end = data.get("date_start"), data.get("date_end")
        today = timezone.localdate()
        for name, value in (("date_start", start), ("date_end", end)):
            if value is not None and value > today:
                self.add_error(name, _("This date is in the future."))
        if start is None or end is None:
            return
        if end < start:
            self.add_error("date_end", _("The end date cannot be before the start date."))
            return
        precision = data.get("time_precision")
        if precision is not None:
            low, high = DATE_RANGE_WIDTHS["time_precision"][precision]
            days = (end - start).days
            if days < low or (high is not None and days > high):
                self.add_error(
                    "time_precision",
                    _(
                        "The time precision does not match the dates: one day is precision "
                        "'day', 2 to 14 days 'week', 8 days or more 'month'."
                    ),
                )

    def _check_event_type(self, data) -> None:
        event_type, sub = data.get("event_type"), data.get("sub_event_type")
        if event_type and sub and sub not in sub_event_types_of(event_type):
            self.add_error(
                "sub_event_type",
                _("This sub-event type does not belong to the event type chosen."),
            )

    def _check_point(self, data) -> None:
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and not self.has_error("latitude"):
            if not self.has_error("longitude"):
                missing = "latitude" if lat is None else "longitude"
                self.add_error(missing, _("Give both the latitude and the longitude."))
            return
        if lat is None or lon is None:
            return
        self.point = Point(float(lon), float(lat), srid=4326)
        country, areas = areas_at(self.point)
        chosen = data.get("country")
        where = ", ".join(area_name(a) for a in reversed(areas))
        if chosen and country != chosen:
            if country:
                message = _("This point is in %(country)s%(areas)s, not in %(chosen)s.") % {
                    "country": country_name(country),
                    "areas": f" ({where})" if where else "",
                    "chosen": country_name(chosen),
                }
            else:
                message = _("This point is outside %(chosen)s.") % {"chosen": country_name(chosen)}
            self.add_error("latitude", message)
        elif not chosen and country and country not in SAHEL_COUNTRIES:
            self.warnings.append(
                _("The point is in %(country)s%(areas)s, outside Mali, Burkina Faso and Niger.")
                % {"country": country_name(country), "areas": f" ({where})" if where else ""}
            )

    def incident_fields(self) -> dict:
        """What the services write (incident_create / incident_update)."""
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields if name in data}
        fields["location"] = self.point
        fields["place_id"] = data.get("place_id")
        fields["tags"] = data.get("tags_text", [])
        if data.get("country"):
            # The country the incident is coded in: the point must lie in it (models/rules.py).
            fields["country_code"] = data["country"]
        return fields

    def _post_clean(self):
        # The services validate the whole record (full_clean) and the database has the last
        # word; incidents/editing.py puts their messages at these fields.
        pass

    def estimate_rows(self):
        return estimate_rows(self, ESTIMATES)


# --- Participants ----------------------------------------------------------------------------


class ParticipantForm(forms.ModelForm):
    actor = ActorField(label=gettext_lazy("actor"))

    class Meta:
        model = IncidentActor
        fields = [
            "actor",
            "acled_position",
            "ucdp_side",
            "acled_inter",
            "initiator",
            "claimed_responsibility",
            "note",
        ]
        labels = {"claimed_responsibility": gettext_lazy("claimed responsibility")}
        widgets = {"note": forms.TextInput(attrs={"size": 24})}

    def clean(self):
        data = super().clean()
        if data.get("actor") and not data.get("acled_position") and not data.get("ucdp_side"):
            self.add_error("acled_position", _("Give the actor's ACLED position or UCDP side."))
        return data

    def _post_clean(self):
        # The row is checked with its incident by the services and the database (the incident
        # may not exist yet); incidents/editing.py puts their messages back here.
        pass


class RowFormSet(forms.BaseModelFormSet):
    """Inline rows: a new row left empty is ignored; a row's own errors stay at its fields."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", self.model.objects.none())
        super().__init__(*args, **kwargs)

    def kept_forms(self) -> list[forms.Form]:
        """Rows to write: changed or existing, not marked for removal."""
        return [
            form
            for form in self.forms
            if (form.instance.pk is not None or form.has_changed())
            and not self._should_delete_form(form)
        ]

    def removed_forms(self) -> list[forms.Form]:
        return [
            form
            for form in self.forms
            if form.instance.pk is not None and self._should_delete_form(form)
        ]


ParticipantFormSet = forms.modelformset_factory(
    IncidentActor, form=ParticipantForm, formset=RowFormSet, extra=0, can_delete=True
)


# --- Sources and their claims ----------------------------------------------------------------

SOURCE_FIELDS = [
    "publisher",
    "url",
    "title",
    "kind",
    "published_on",
    "published_on_precision",
    "reliability",
    "language",
]
CLAIM_ESTIMATES = ("fatalities", "killed_civilians", "killed_side_a", "killed_side_b")
CLAIM_ESTIMATES += ("killed_unknown", "injured", "abducted")
CLAIM_FIELDS = [
    "credibility",
    *[f"{prefix}_{bound}" for prefix in CLAIM_ESTIMATES for bound in BOUNDS],
    "perpetrator_text",
    "claims_responsibility",
    "targets_text",
    "stated_date_start",
    "stated_date_end",
    "stated_place",
    "summary",
    "quote",
]


class SourceClaimForm(forms.ModelForm):
    """One source (new, or cited again by its URL) and what it says about this incident."""

    claim_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The row writes a source and a claim: their rules' messages go to these fields.
    constraint_models = (Source, Claim)
    claimed_perpetrator = ActorField(label=gettext_lazy("perpetrator (registry)"), required=False)

    class Meta:
        model = Source
        fields = [*SOURCE_FIELDS, "confidential"]
        widgets = {"published_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, claim: Claim | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        claim_fields = forms.fields_for_model(Claim, fields=CLAIM_FIELDS)
        claim_fields["summary"].widget = forms.Textarea(attrs={"rows": 2})
        claim_fields["quote"].widget = forms.Textarea(attrs={"rows": 2})
        for name in ("stated_date_start", "stated_date_end"):
            claim_fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        for name in CLAIM_FIELDS:
            if name.endswith(BOUNDS):
                claim_fields[name].widget.attrs.update({"min": 0, "class": "estimate"})
        self.fields.update(claim_fields)
        self.fields["language"].widget.attrs.update({"size": 3, "placeholder": "fra"})
        self.claim = claim
        if claim is not None and not self.is_bound:
            self.initial.update(forms.model_to_dict(claim, fields=CLAIM_FIELDS))
            self.initial["claim_id"] = claim.pk
            self.initial["claimed_perpetrator"] = claim.claimed_perpetrator

    def clean_published_on(self):
        value = self.cleaned_data.get("published_on")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("published_on") and not data.get("published_on_precision"):
            self.add_error(
                "published_on_precision",
                _("Say how precise the publication date is (day, month or year)."),
            )
        for prefix in CLAIM_ESTIMATES:
            known = [data.get(f"{prefix}_{b}") for b in BOUNDS]
            pairs = [(known[0], known[1]), (known[1], known[2]), (known[0], known[2])]
            if any(a is not None and b is not None and a > b for a, b in pairs):
                self.add_error(f"{prefix}_best", _("Estimates must satisfy low ≤ best ≤ high."))
        return data

    def _post_clean(self):
        # A URL cited before is the same source (the incidents share it): no uniqueness error
        # here; the services check the rest.
        pass

    def estimate_rows(self):
        return estimate_rows(self, CLAIM_ESTIMATES)

    def source_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def claim_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in CLAIM_FIELDS}
        fields["claimed_perpetrator"] = self.cleaned_data.get("claimed_perpetrator")
        return fields


class SourceClaimFormSet(RowFormSet):
    def __init__(self, *args, claims: list[Claim] = (), **kwargs):
        self.claims = list(claims)
        kwargs["queryset"] = Source.objects.filter(pk__in=[c.source_id for c in self.claims])
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        # The rows in the order of the claims (most reliable first, as the page shows them).
        order = {c.source_id: n for n, c in enumerate(self.claims)}
        return sorted(super().get_queryset(), key=lambda s: order.get(s.pk, 0))

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.claims):
            kwargs["claim"] = self.claims[index]
        return kwargs


SourceFormSet = forms.modelformset_factory(
    Source, form=SourceClaimForm, formset=SourceClaimFormSet, extra=0, can_delete=True
)


# --- Civilian harm and victims ---------------------------------------------------------------

HARM_OUTCOMES = ("killed", "died_later", "injured", "abducted", "displaced")
HARM_COUNT_FIELDS = [f"{outcome}_{c}" for outcome in HARM_OUTCOMES for c in HARM_CATEGORIES]
HARM_CATEGORY_LABELS = [CATEGORY_LABELS[c] for c in HARM_CATEGORIES]


class HarmForm(forms.ModelForm):
    """One civilian-harm assessment: counts by category (empty is unknown, not zero), objects
    hit, means, grade, and who assessed it."""

    alleged_perpetrator = ActorField(label=gettext_lazy("alleged perpetrator"), required=False)
    objects_hit = forms.MultipleChoiceField(
        label=gettext_lazy("civilian objects hit"),
        choices=CivilianObject.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    means = forms.MultipleChoiceField(
        label=gettext_lazy("means"),
        choices=HarmMeans.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CivilianHarmReport
        fields = [
            "grade",
            *HARM_COUNT_FIELDS,
            "killed_max",
            "injured_max",
            "objects_hit",
            "means",
            "drone_type",
            "strikes",
            "alleged_perpetrator",
            "assessor",
            "assessed_on",
            "assessment",
        ]
        widgets = {
            "assessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "assessment": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in HARM_COUNT_FIELDS:
            self.fields[name].widget.attrs.update({"min": 0, "class": "count"})

    def clean(self):
        data = super().clean()
        for category in ("children", "women", "men"):
            later, killed = data.get(f"died_later_{category}"), data.get(f"killed_{category}")
            if later is not None and killed is not None and later > killed:
                self.add_error(
                    f"died_later_{category}",
                    _("Those who died later are counted among the killed of their category."),
                )
        if data.get("drone_type") and HarmMeans.DRONE_STRIKE not in data.get("means", []):
            self.add_error(
                "drone_type", _("A drone type goes with a drone strike among the means.")
            )
        return data

    def _post_clean(self):
        pass

    def count_rows(self):
        return [
            (OUTCOME_LABELS[outcome], [self[f"{outcome}_{c}"] for c in HARM_CATEGORIES])
            for outcome in HARM_OUTCOMES
        ]

    def harm_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


HarmFormSet = forms.modelformset_factory(
    CivilianHarmReport, form=HarmForm, formset=RowFormSet, extra=0, can_delete=False
)


class VictimForm(forms.ModelForm):
    """One person harmed (personal data: only for those allowed to see it), in the assessment
    numbered `assessment` on the page."""

    assessment_number = forms.IntegerField(
        label=gettext_lazy("assessment no."), min_value=1, initial=1
    )

    class Meta:
        model = Victim
        fields = [
            "name",
            "age_years",
            "age_months",
            "age_approximate",
            "age_group",
            "sex",
            "status",
            "death_or_treatment_date",
            "death_or_treatment_place",
            "injury",
            "notes",
        ]
        widgets = {
            "death_or_treatment_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "injury": forms.TextInput,
            "notes": forms.TextInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment_number"].required = False

    def _post_clean(self):
        pass

    def victim_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


VictimFormSet = forms.modelformset_factory(
    Victim, form=VictimForm, formset=RowFormSet, extra=0, can_delete=True
)


def describe_date(value: date | None) -> str:
    return date_format(value, "j F Y") if value else "—"
