"""Admin for every model: Leaflet map widgets for geometries, search and list filters.

Personal data (victim names and notes, witness identities) is hidden from users without
incidents.view_personal_data. Publication goes through the workflow services (admin actions),
never by editing the status field.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from incidents import services
from incidents.models import (
    AcledEvent,
    ActorCell,
    ActorGroup,
    ActorGroupWindow,
    ActorSummaryState,
    AdminArea,
    AdminAreaPart,
    ApiRecord,
    CivilianHarmReport,
    Claim,
    IdempotentRequest,
    Incident,
    IncidentActor,
    IncidentTombstone,
    MapCell,
    Organisation,
    OrganisationAPIKey,
    Place,
    PlaceName,
    ReferenceDataset,
    ReviewComment,
    Source,
    UcdpEvent,
    Victim,
)
from incidents.models.incident import ESTIMATES, Attributed

PERSONAL_DATA_PERMISSION = "incidents.view_personal_data"
PERSONAL_FIELDS = {Victim: ("name", "notes", "injury"), Source: ("informant",)}


def estimate_rows(*prefixes: str) -> tuple[tuple[str, str, str], ...]:
    return tuple((f"{p}_low", f"{p}_best", f"{p}_high") for p in prefixes)


ESTIMATE_ROWS = estimate_rows(*ESTIMATES)


class PersonalDataMixin:
    """Leaves personal-data fields out of forms and lists for users without the permission."""

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.has_perm(PERSONAL_DATA_PERMISSION):
            exclude += PERSONAL_FIELDS.get(self.model, ())
        return exclude

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if request.user.has_perm(PERSONAL_DATA_PERMISSION):
            return fields
        hidden = PERSONAL_FIELDS.get(self.model, ())
        return [f for f in fields if f not in hidden]


class ServicesMixin:
    """Saves through the services (incidents.services.record_save), which validate and record who
    created and last changed each record, like every other write path."""

    def save_model(self, request, obj, form, change):
        if isinstance(obj, Attributed):
            fields = list(form.changed_data) if change else None
            services.record_save(obj, user=request.user, fields=fields or None)
        else:
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            if isinstance(obj, Attributed):
                services.record_save(obj, user=request.user)
            else:
                obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class IncidentActorInline(admin.TabularInline):
    model = IncidentActor
    extra = 0
    autocomplete_fields = ("actor",)
    fields = (
        "actor",
        "acled_position",
        "ucdp_side",
        "acled_inter",
        "initiator",
        "claimed_responsibility",
        "name_as_coded",
        "sequence",
        "note",
    )


class ClaimInline(admin.StackedInline):
    model = Claim
    extra = 0
    autocomplete_fields = ("source", "claimed_perpetrator")
    fields = (
        ("source", "credibility"),
        *ESTIMATE_ROWS,
        ("claimed_perpetrator", "claims_responsibility"),
        ("perpetrator_text", "targets_text"),
        ("stated_date_start", "stated_date_end", "stated_place"),
        "summary",
        "quote",
    )


HARM_FIELDS = (
    ("source", "assessor", "assessed_on", "grade"),
    ("killed_children", "killed_women", "killed_men", "killed_unknown", "killed_max"),
    ("injured_children", "injured_women", "injured_men", "injured_unknown", "injured_max"),
    ("died_later_children", "died_later_women", "died_later_men", "died_later_unknown"),
    ("abducted_children", "abducted_women", "abducted_men", "abducted_unknown"),
    ("displaced_children", "displaced_women", "displaced_men", "displaced_unknown"),
    "objects_hit",
    ("alleged_perpetrator", "means", "drone_type", "strikes"),
    "assessment",
)


class CivilianHarmInline(admin.StackedInline):
    model = CivilianHarmReport
    extra = 0
    autocomplete_fields = ("alleged_perpetrator", "source")
    fields = HARM_FIELDS


class AcledEventInline(admin.StackedInline):
    model = AcledEvent
    extra = 0
    classes = ("collapse",)


class UcdpEventInline(admin.StackedInline):
    model = UcdpEvent
    extra = 0
    classes = ("collapse",)


@admin.register(Incident)
class IncidentAdmin(ServicesMixin, LeafletGeoAdmin):
    list_display = (
        "id",
        "title",
        "date_start",
        "event_type",
        "sub_event_type",
        "country_code",
        "admin1",
        "fatalities_best",
        "status",
        "origin",
    )
    list_display_links = ("id", "title")
    list_filter = (
        "status",
        "event_type",
        "sub_event_type",
        "country_code",
        "origin",
        "time_precision",
        "geo_precision",
        "civilian_targeting",
        ("admin1", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("title", "narrative", "location_name", "origin_key", "tags")
    date_hierarchy = "date_start"
    list_select_related = ("admin1",)
    show_full_result_count = False
    autocomplete_fields = ("place",)
    inlines = (
        IncidentActorInline,
        ClaimInline,
        CivilianHarmInline,
        AcledEventInline,
        UcdpEventInline,
    )
    readonly_fields = (
        "status",
        "country_code",
        "admin1",
        "admin2",
        "origin",
        "origin_key",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "published_by",
        "published_at",
        "retraction_reason",
    )
    fieldsets = (
        (None, {"fields": ("title", "status", "narrative", "tags")}),
        (
            _("When"),
            {"fields": (("date_start", "date_end"), ("time_precision", "ucdp_date_prec"))},
        ),
        (
            _("Where"),
            {
                "fields": (
                    "location",
                    "location_name",
                    ("geo_precision", "ucdp_where_prec"),
                    "place",
                    ("country_code", "admin1", "admin2"),
                )
            },
        ),
        (
            _("What"),
            {
                "fields": (
                    ("event_type", "sub_event_type"),
                    ("civilian_targeting", "ucdp_violence_type"),
                )
            },
        ),
        (
            _("Casualties (derived from the claims unless overridden)"),
            {"fields": (*ESTIMATE_ROWS, "fatalities_override")},
        ),
        (
            _("Provenance"),
            {
                "fields": (
                    ("origin", "origin_key"),
                    ("created_by", "created_at"),
                    ("updated_by", "updated_at"),
                    ("published_by", "published_at"),
                    "retraction_reason",
                )
            },
        ),
    )
    actions = ("submit_for_review", "publish")

    def _workflow(self, request, queryset, step, done):
        for incident in queryset:
            try:
                step(incident.pk, user=request.user)
            except services.WorkflowError as exc:
                self.message_user(request, f"#{incident.pk}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"#{incident.pk}: {done}", messages.SUCCESS)

    @admin.action(description=_("Submit the selected drafts for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._workflow(request, queryset, services.incident_submit_for_review, _("sent to review"))

    @admin.action(
        description=_("Publish the selected incidents (reviewers)"), permissions=["publish"]
    )
    def publish(self, request, queryset):
        self._workflow(request, queryset, services.incident_publish, _("published"))

    def has_publish_permission(self, request):
        return request.user.has_perm("incidents.publish_incident")


@admin.register(IncidentActor)
class IncidentActorAdmin(admin.ModelAdmin):
    list_display = (
        "incident",
        "actor",
        "acled_position",
        "ucdp_side",
        "initiator",
        "claimed_responsibility",
    )
    list_filter = ("acled_position", "ucdp_side", "initiator", "claimed_responsibility")
    search_fields = ("actor__name", "incident__title")
    autocomplete_fields = ("incident", "actor")
    list_select_related = ("incident", "actor")


@admin.register(Source)
class SourceAdmin(PersonalDataMixin, ServicesMixin, admin.ModelAdmin):
    list_display = ("publisher", "title", "kind", "language", "published_on", "reliability")
    list_filter = ("kind", "reliability", "language")
    search_fields = ("publisher", "title", "url")
    date_hierarchy = "published_on"
    readonly_fields = ("created_by", "created_at", "updated_by", "updated_at")


@admin.register(Claim)
class ClaimAdmin(ServicesMixin, admin.ModelAdmin):
    list_display = (
        "incident",
        "source",
        "credibility",
        "fatalities_low",
        "fatalities_best",
        "fatalities_high",
        "claimed_perpetrator",
        "claims_responsibility",
    )
    list_filter = ("credibility", "claims_responsibility", "source__reliability")
    search_fields = ("summary", "source__publisher", "incident__title")
    autocomplete_fields = ("incident", "source", "claimed_perpetrator")
    list_select_related = ("incident", "source", "claimed_perpetrator")
    readonly_fields = ("created_by", "created_at", "updated_by", "updated_at")


class VictimInline(PersonalDataMixin, admin.TabularInline):
    model = Victim
    extra = 0


@admin.register(CivilianHarmReport)
class CivilianHarmReportAdmin(ServicesMixin, admin.ModelAdmin):
    list_display = (
        "incident",
        "grade",
        "assessor",
        "killed_children",
        "killed_women",
        "killed_men",
        "killed_unknown",
        "killed_max",
        "alleged_perpetrator",
    )
    list_filter = ("grade",)
    search_fields = ("incident__title", "assessment", "assessor")
    autocomplete_fields = ("incident", "alleged_perpetrator", "source")
    list_select_related = ("incident", "alleged_perpetrator")
    fields = ("incident", *HARM_FIELDS)
    inlines = (VictimInline,)
    readonly_fields = ("created_by", "created_at", "updated_by", "updated_at")


@admin.register(Victim)
class VictimAdmin(PersonalDataMixin, admin.ModelAdmin):
    list_display = ("id", "report", "age_group", "sex", "status")
    list_filter = ("age_group", "sex", "status")
    autocomplete_fields = ("report",)
    list_select_related = ("report",)

    def get_search_fields(self, request):
        if request.user.has_perm(PERSONAL_DATA_PERMISSION):
            return ("name", "report__incident__title")
        return ("report__incident__title",)


@admin.register(AcledEvent)
class AcledEventAdmin(admin.ModelAdmin):
    list_display = ("event_id_cnty", "incident", "event_date", "dataset_version", "timestamp")
    search_fields = ("event_id_cnty", "incident__title")
    autocomplete_fields = ("incident",)
    list_select_related = ("incident",)


@admin.register(UcdpEvent)
class UcdpEventAdmin(admin.ModelAdmin):
    list_display = ("ged_id", "relid", "incident", "dataset_version", "dyad_name")
    search_fields = ("relid", "incident__title", "dyad_name", "conflict_name")
    autocomplete_fields = ("incident",)
    list_select_related = ("incident",)


class AdminAreaPartInline(admin.TabularInline):
    model = AdminAreaPart
    extra = 0
    fields = ("level", "country_code")
    readonly_fields = fields
    can_delete = False
    max_num = 0


@admin.register(AdminArea)
class AdminAreaAdmin(LeafletGeoAdmin):
    list_display = ("name_en", "name_fr", "code", "level", "country_code", "parent", "source")
    list_filter = ("level", "country_code", "source")
    search_fields = ("name_en", "name_fr", "code")
    list_select_related = ("parent",)
    readonly_fields = ("updated_at",)
    exclude = ("geom_simplified",)
    autocomplete_fields = ("parent",)


@admin.register(AdminAreaPart)
class AdminAreaPartAdmin(LeafletGeoAdmin):
    """Pieces kept by the database from AdminArea; shown for inspection only."""

    list_display = ("id", "area", "level", "country_code")
    list_filter = ("level", "country_code")
    list_select_related = ("area",)
    search_fields = ("area__name_en",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PlaceNameInline(admin.TabularInline):
    model = PlaceName
    extra = 0
    fields = ("name", "is_primary", "normalised")
    readonly_fields = ("normalised",)


@admin.register(Place)
class PlaceAdmin(LeafletGeoAdmin):
    list_display = (
        "name",
        "feature_class",
        "feature_code",
        "country_code",
        "admin1",
        "admin2",
        "population",
        "source",
    )
    list_filter = ("country_code", "feature_class", "source", "feature_code")
    search_fields = ("name", "ascii_name", "source_id")
    list_select_related = ("admin1", "admin2")
    readonly_fields = ("admin1", "admin2")
    show_full_result_count = False
    inlines = (PlaceNameInline,)


@admin.register(PlaceName)
class PlaceNameAdmin(admin.ModelAdmin):
    list_display = ("name", "normalised", "place", "is_primary")
    search_fields = ("normalised", "name")
    list_select_related = ("place",)
    autocomplete_fields = ("place",)
    show_full_result_count = False


@admin.register(ReferenceDataset)
class ReferenceDatasetAdmin(admin.ModelAdmin):
    list_display = ("name", "rows", "source", "attribution", "licence", "loaded_at")
    search_fields = ("name", "source")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DerivedDataAdmin(admin.ModelAdmin):
    """A summary kept by the database (derived, rebuilt at will): shown for inspection only."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MapCell)
class MapCellAdmin(DerivedDataAdmin):
    list_display = ("level", "grain", "period", "cx", "cy", "event_type", "published", "n")
    list_filter = ("level", "grain", "published", "event_type")


@admin.register(ActorGroup)
class ActorGroupAdmin(DerivedDataAdmin):
    list_display = ("key", "actor", "members")
    list_filter = ("members",)


@admin.register(ActorGroupWindow)
class ActorGroupWindowAdmin(DerivedDataAdmin):
    list_display = ("key", "actor", "start_date", "end_date")


@admin.register(ActorSummaryState)
class ActorSummaryStateAdmin(DerivedDataAdmin):
    list_display = ("relations_fingerprint", "built_at")


@admin.register(ApiRecord)
class ApiRecordAdmin(DerivedDataAdmin):
    """The API's per-incident summary (incidents/sql/apirecords.sql)."""

    list_display = ("incident_id", "actor1", "actor2", "claims_count", "source_count")
    search_fields = ("incident__id",)


@admin.register(ActorCell)
class ActorCellAdmin(DerivedDataAdmin):
    list_display = ("group_key", "level", "grain", "period", "cx", "cy", "published", "n")
    list_filter = ("level", "grain", "published")


@admin.register(IncidentTombstone)
class IncidentTombstoneAdmin(DerivedDataAdmin):
    list_display = ("incident_id", "reason", "deleted_at", "merged_into")
    list_filter = ("reason",)
    search_fields = ("=incident_id",)


@admin.register(ReviewComment)
class ReviewCommentAdmin(admin.ModelAdmin):
    """The workflow log (send-backs, retractions, merges and splits), written by the services:
    read here; no role is given the right to write it by hand."""

    list_display = ("incident", "kind", "author", "created_at", "undone_at")
    list_filter = ("kind",)
    search_fields = ("=incident__id", "text")
    raw_id_fields = ("incident", "author", "undone_by")


# Partner keys belong to an organisation (OrganisationAPIKey); the package's own key model is
# not used.
admin.site.unregister(APIKey)


class OrganisationAPIKeyInline(admin.TabularInline):
    model = OrganisationAPIKey
    extra = 0
    fields = ("prefix", "name", "scope", "created", "expiry_date", "revoked")
    readonly_fields = ("prefix", "name", "scope", "created")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # a new key is made on its own page, which shows it once


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "coordinate_policy", "rate_limit", "created_at")
    list_filter = ("coordinate_policy",)
    search_fields = ("name",)
    inlines = (OrganisationAPIKeyInline,)


@admin.register(OrganisationAPIKey)
class OrganisationAPIKeyAdmin(APIKeyModelAdmin):
    """Keys are hashed: the new key is shown once, in a message, when it is made (the package's
    admin); revoking cannot be undone."""

    list_display = (*APIKeyModelAdmin.list_display, "organisation", "scope")
    list_filter = ("organisation", "scope", "revoked", "created")
    search_fields = ("name", "prefix", "organisation__name")
    list_select_related = ("organisation",)


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(admin.ModelAdmin):
    """Writes remembered for their Idempotency-Key: admins read them when a partner asks why a
    retry got the first answer; the API writes them and drops them after
    API_IDEMPOTENCY_KEEP_HOURS, no one by hand."""

    list_display = ("created_at", "owner", "key", "status")
    search_fields = ("owner", "key")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Ingestion's sources and raw reports (incidents/ingest/admin.py registers them).
from incidents.ingest import admin as ingest_admin  # noqa: E402, F401
