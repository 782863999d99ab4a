"""The write API for trusted systems (a partner key with the `write` scope, or an editor signed
in): POST /api/v1/incidents/ creates a *draft* incident with its participants and its claims
(each with its source) in one transaction, through the services the site's forms use
(incidents/services.py: record_save and full_clean), so every rule of the data holds here too.

The request body is parsed by the serializers below (types, choices, unknown fields refused);
the rules of the data are the models' and the database's, checked by full_clean. Every error is
collected and answered at once as a 400 naming each field at its place in the body (a list's
items by their index: `{"claims": {"0": {"source": {"language": [...]}}}}`), and nothing is
saved.

Attribution: a partner is not a user of the site, but every record names who wrote it
(`created_by`). Each organisation writes as its own service account, `partner-<organisation
id>`, made on its first write: inactive, without a password or a role, so it can never sign in;
its name is the organisation's. The history context also records the organisation and the key's
prefix (`api_organisation`, `api_key`), so a reviewer sees which key sent what.
"""

from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions, serializers

from actors.models import Actor
from incidents.models import (
    ESTIMATES,
    AcledPosition,
    Claim,
    Credibility,
    DatePrecision,
    GeoPrecision,
    Incident,
    IncidentActor,
    KeyScope,
    Organisation,
    OrganisationAPIKey,
    Reliability,
    Source,
    SourceKind,
    Status,
    TimePrecision,
    UcdpSide,
    UcdpViolenceType,
)
from incidents.precision import UcdpDatePrecision, UcdpWherePrecision
from incidents.services import (
    claim_create,
    incident_create,
    participant_create,
    source_create,
)
from incidents.taxonomy import EventType, SubEventType

SERVICE_USERNAME = "partner-{pk}"
T = TypeVar("T")

# --- The request body


class StrictSerializer(serializers.Serializer):
    """A body with a field this API does not know is refused, naming the field (as the read
    API refuses an unknown parameter): a misspelt `fatalites_best` must not vanish silently."""

    def to_internal_value(self, data):
        unknown = (
            sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        )  # a non-object is the parent's error to report
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                error.detail.update({name: [_("Unknown field.")] for name in unknown})
            raise
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return value


class ActorSlugField(serializers.SlugRelatedField):
    """An actor by its slug. A value no column can hold (a NUL character) is refused before it
    is looked up: PostgreSQL would fail on it rather than find nothing."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Actor.objects.all(), **kwargs)

    def to_internal_value(self, data):
        try:
            ProhibitNullCharactersValidator()(data)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return super().to_internal_value(data)


def _choice(choices, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, **kwargs)


class ParticipantIn(StrictSerializer):
    actor = ActorSlugField(help_text=gettext_lazy("The actor's slug (see /api/v1/actors/)."))
    acled_position = _choice(AcledPosition.choices, required=False, allow_blank=True)
    ucdp_side = _choice(UcdpSide.choices, required=False, allow_blank=True)
    acled_inter = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=8
    )
    initiator = serializers.BooleanField(required=False, default=False)
    claimed_responsibility = serializers.BooleanField(required=False, default=False)
    name_as_coded = serializers.CharField(required=False, allow_blank=True, max_length=300)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class SourceIn(StrictSerializer):
    kind = _choice(SourceKind.choices)
    publisher = serializers.CharField(max_length=200)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    url = serializers.URLField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=gettext_lazy("A source already known by this URL is cited as it is."),
    )
    language = serializers.CharField(required=False, allow_blank=True, max_length=3)
    published_on = serializers.DateField(required=False, allow_null=True)
    published_on_precision = _choice(DatePrecision.choices, required=False, allow_blank=True)
    reliability = _choice(Reliability.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


def _count(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, allow_null=True, min_value=0, **kwargs)


ESTIMATE_FIELDS = [f"{prefix}_{bound}" for prefix in ESTIMATES for bound in ("low", "best", "high")]


class ClaimIn(StrictSerializer):
    source = SourceIn()
    summary = serializers.CharField(help_text=gettext_lazy("What the source says."))
    quote = serializers.CharField(required=False, allow_blank=True)
    credibility = _choice(Credibility.choices, required=False)
    claimed_perpetrator = ActorSlugField(required=False, allow_null=True)
    claims_responsibility = serializers.BooleanField(required=False, default=False)
    perpetrator_text = serializers.CharField(required=False, allow_blank=True, max_length=300)
    targets_text = serializers.CharField(required=False, allow_blank=True, max_length=300)
    stated_date_start = serializers.DateField(required=False, allow_null=True)
    stated_date_end = serializers.DateField(required=False, allow_null=True)
    stated_place = serializers.CharField(required=False, allow_blank=True, max_length=300)

    def get_fields(self):
        fields = super().get_fields()
        for name in ESTIMATE_FIELDS:
            fields[name] = _count()
        return fields


class IncidentDraftIn(StrictSerializer):
    """A new incident, always a draft: an editor reviews it before anyone else sees it."""

    title = serializers.CharField(max_length=300)
    date_start = serializers.DateField()
    date_end = serializers.DateField(
        required=False, help_text=gettext_lazy("Defaults to date_start.")
    )
    time_precision = _choice(TimePrecision.choices)
    ucdp_date_prec = _choice(UcdpDatePrecision.choices, required=False, allow_null=True)
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    location_name = serializers.CharField(required=False, allow_blank=True, max_length=300)
    geo_precision = _choice(GeoPrecision.choices)
    ucdp_where_prec = _choice(UcdpWherePrecision.choices, required=False, allow_null=True)
    event_type = _choice(EventType.choices)
    sub_event_type = _choice(SubEventType.choices, required=False, allow_blank=True)
    civilian_targeting = serializers.BooleanField(required=False, default=False)
    ucdp_violence_type = _choice(UcdpViolenceType.choices, required=False, allow_null=True)
    narrative = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list
    )
    participants = ParticipantIn(many=True, required=False, default=list)
    claims = ClaimIn(many=True, required=False, default=list)

    def validate(self, data):
        if (data.get("longitude") is None) != (data.get("latitude") is None):
            raise serializers.ValidationError(
                {"longitude": [_("Give both longitude and latitude, or neither.")]}
            )
        return data


# --- Who writes


class WritesIncidents(permissions.BasePermission):
    """A partner key with the `write` scope (a `read` key gets 403), or a signed-in user whose
    role adds incidents (editors and above)."""

    message = gettext_lazy("This key may only read: ask for a key with the write scope.")

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, OrganisationAPIKey):
            return request.auth.scope == KeyScope.WRITE
        return request.user.is_authenticated and request.user.has_perm("incidents.add_incident")


def writer_of(request):
    """The user the request's records are attributed to: the signed-in user, or the key's
    organisation's service account."""
    if isinstance(request.auth, OrganisationAPIKey):
        return partner_service_user(request.auth.organisation)
    return request.user


def partner_service_user(organisation: Organisation):
    """The organisation's service account (made on its first write): inactive, no usable
    password, no role, so it cannot sign in; it exists to be named in `created_by`."""
    user, created = get_user_model().objects.get_or_create(
        username=SERVICE_USERNAME.format(pk=organisation.pk),
        defaults={"first_name": organisation.name[:150], "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# --- The service


class DraftInvalid(Exception):
    """The body breaks rules of the data; `errors` names each field at its place in the body."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": [str(m) for m in error.messages]}
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in error.message_dict.items()
    }


def _attempt(write: Callable[[], T]) -> tuple[T | None, dict]:
    """Runs one write (a service) in a savepoint; returns what it made, or its errors."""
    try:
        with transaction.atomic():
            return write(), {}
    except ValidationError as error:
        return None, _messages(error)
    except IntegrityError as error:  # a rule only the database knows (a trigger's)
        return None, {"non_field_errors": [str(error).splitlines()[0]]}


def _checked(obj, exclude: list[str]) -> dict:
    """The errors of a record that cannot be saved (what it hangs on was refused): checked but
    for the fields in `exclude`, so that one answer names every mistake."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        return _messages(error)
    return {}


def incident_draft_create(data: dict, *, user) -> Incident:
    """A draft incident with its participants and claims, from a checked body
    (IncidentDraftIn.validated_data), all or nothing, attributed to `user`. Raises DraftInvalid
    naming every field that breaks a rule; then nothing is saved."""
    data = dict(data)
    participants, claims = data.pop("participants"), data.pop("claims")
    longitude, latitude = data.pop("longitude", None), data.pop("latitude", None)
    data.setdefault("date_end", data["date_start"])
    data["location"] = Point(longitude, latitude, srid=4326) if longitude is not None else None
    data["status"] = Status.DRAFT
    with transaction.atomic():
        incident, errors = _attempt(lambda: incident_create(user=user, **data))
        errors.update(_participants_saved(incident or Incident(**data), participants, incident))
        errors.update(_claims_saved(incident, claims, user))
        if errors:
            raise DraftInvalid(errors)  # leaving the block rolls every write back
    return incident


def _by_index(name: str, errors: list[dict]) -> dict:
    """A list's errors under each faulty item's index, as DRF gives a nested list's."""
    found = {n: e for n, e in enumerate(errors) if e}
    return {name: found} if found else {}


def _participants_saved(incident: Incident, participants: list[dict], saved) -> dict:
    found, sequences = [], {}
    for data in participants:
        position = data.get("acled_position", "")
        sequences[position] = sequences.get(position, -1) + 1
        fields = {**data, "incident": incident, "sequence": sequences[position]}
        if saved:
            found.append(_attempt(lambda f=fields: participant_create(**f))[1])
        else:
            found.append(_checked(IncidentActor(**fields), ["incident"]))
    return _by_index("participants", found)


def _source_of(data: dict, user) -> tuple[Source | None, dict]:
    """The claim's source: the one already known by its URL, else a new one."""
    if data.get("url"):
        known = Source.objects.filter(url=data["url"]).first()
        if known is not None:
            return known, {}
    return _attempt(lambda: source_create(user=user, **data))


def _claims_saved(incident: Incident | None, claims: list[dict], user) -> dict:
    found = []
    for data in claims:
        data = dict(data)
        source, source_errors = _source_of(data.pop("source"), user)
        errors = {"source": source_errors} if source_errors else {}
        if incident is not None and source is not None:
            errors.update(
                _attempt(
                    lambda d=data, s=source: claim_create(
                        user=user, incident_id=incident.pk, source_id=s.pk, **d
                    )
                )[1]
            )
        else:
            errors.update(_checked(Claim(**data), ["incident", "source"]))
        found.append(errors)
    return _by_index("claims", found)
