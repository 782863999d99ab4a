"""Admin for every model: Leaflet map widgets for geometries, search and list filters.

Personal data (victim names and notes, witness identities) is hidden from users without
incidents.view_personal_data. Publication goes through the workflow services (admin actions),
never by editing the status field.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from incidents import services
from incidents.models import (
    AdminArea,
    AdminAreaPart,
    CivilianHarmReport,
    Claim,
    Incident,
    IncidentActor,
    Place,
    PlaceName,
    ReferenceDataset,
    Source,
    Victim,
)

PERSONAL_DATA_PERMISSION = "incidents.view_personal_data"
PERSONAL_FIELDS = {Victim: ("name", "notes"), Source: ("informant",)}


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


class AttributedMixin:
    """Records who created and last changed a record."""

    def save_model(self, request, obj, form, change):
        if not change and hasattr(obj, "created_by_id") and obj.created_by_id is None:
            obj.created_by = request.user
        if hasattr(obj, "updated_by_id"):
            obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            if hasattr(obj, "created_by_id") and obj.created_by_id is None:
                obj.created_by = request.user
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class IncidentActorInline(admin.TabularInline):
    model = IncidentActor
    extra = 0
    autocomplete_fields = ("actor",)


class ClaimInline(admin.StackedInline):
    model = Claim
    extra = 0
    autocomplete_fields = ("source", "claimed_perpetrator")
    fields = (
        ("source", "credibility"),
        ("fatalities_low", "fatalities_best", "fatalities_high"),
        ("claimed_perpetrator", "claims_responsibility"),
        ("perpetrator_text", "targets_text"),
        "summary",
        "quote",
    )


class CivilianHarmInline(admin.StackedInline):
    model = CivilianHarmReport
    extra = 0
    autocomplete_fields = ("alleged_perpetrator",)


@admin.register(Incident)
class IncidentAdmin(AttributedMixin, LeafletGeoAdmin):
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
    search_fields = ("title", "narrative", "location_name", "external_id", "tags")
    date_hierarchy = "date_start"
    list_select_related = ("admin1",)
    show_full_result_count = False
    autocomplete_fields = ("place",)
    inlines = (IncidentActorInline, ClaimInline, CivilianHarmInline)
    readonly_fields = (
        "status",
        "country_code",
        "admin1",
        "admin2",
        "origin",
        "external_id",
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
        (_("When"), {"fields": (("date_start", "date_end"), "time_precision")}),
        (
            _("Where"),
            {
                "fields": (
                    "location",
                    ("location_name", "geo_precision"),
                    "place",
                    ("country_code", "admin1", "admin2"),
                )
            },
        ),
        (_("What"), {"fields": (("event_type", "sub_event_type"), "civilian_targeting")}),
        (
            _("Fatalities (derived from the claims unless overridden)"),
            {
                "fields": (
                    ("fatalities_low", "fatalities_best", "fatalities_high"),
                    "fatalities_override",
                )
            },
        ),
        (
            _("Provenance"),
            {
                "fields": (
                    ("origin", "external_id"),
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
                step(incident, request.user)
            except services.WorkflowError as exc:
                self.message_user(request, f"#{incident.pk}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"#{incident.pk}: {done}", messages.SUCCESS)

    @admin.action(description=_("Submit the selected drafts for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._workflow(request, queryset, services.incident_submit_for_review, "sent to review")

    @admin.action(
        description=_("Publish the selected incidents (reviewers)"), permissions=["publish"]
    )
    def publish(self, request, queryset):
        self._workflow(request, queryset, services.incident_publish, "published")

    def has_publish_permission(self, request):
        return request.user.has_perm("incidents.publish_incident")


@admin.register(IncidentActor)
class IncidentActorAdmin(admin.ModelAdmin):
    list_display = ("incident", "actor", "role", "claimed_responsibility")
    list_filter = ("role", "claimed_responsibility")
    search_fields = ("actor__name", "incident__title")
    autocomplete_fields = ("incident", "actor")
    list_select_related = ("incident", "actor")


@admin.register(Source)
class SourceAdmin(PersonalDataMixin, AttributedMixin, admin.ModelAdmin):
    list_display = ("publisher", "title", "kind", "language", "published_on", "reliability")
    list_filter = ("kind", "reliability", "language")
    search_fields = ("publisher", "title", "url")
    date_hierarchy = "published_on"
    readonly_fields = ("created_by", "created_at", "updated_at")


@admin.register(Claim)
class ClaimAdmin(AttributedMixin, admin.ModelAdmin):
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
    readonly_fields = ("created_by", "created_at", "updated_at")


class VictimInline(PersonalDataMixin, admin.TabularInline):
    model = Victim
    extra = 0


@admin.register(CivilianHarmReport)
class CivilianHarmReportAdmin(AttributedMixin, admin.ModelAdmin):
    list_display = (
        "incident",
        "grade",
        "means",
        "killed_children",
        "killed_women",
        "killed_men",
        "killed_unknown",
        "killed_max",
        "alleged_perpetrator",
    )
    list_filter = ("grade", "means")
    search_fields = ("incident__title", "assessment")
    autocomplete_fields = ("incident", "alleged_perpetrator")
    list_select_related = ("incident", "alleged_perpetrator")
    inlines = (VictimInline,)
    readonly_fields = ("created_by", "created_at", "updated_at")


@admin.register(Victim)
class VictimAdmin(PersonalDataMixin, admin.ModelAdmin):
    list_display = ("id", "report", "age_group", "gender", "outcome")
    list_filter = ("age_group", "gender", "outcome")
    autocomplete_fields = ("report",)
    list_select_related = ("report",)

    def get_search_fields(self, request):
        if request.user.has_perm(PERSONAL_DATA_PERMISSION):
            return ("name", "report__incident__title")
        return ("report__incident__title",)


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
