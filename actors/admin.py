from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from actors.models import Actor, ActorAlias, ActorPresence, ActorRelation
from actors.names import normalise_name


class AdminsWrite:
    """Editors may add and change actors, but on the site's pages, through actors/services.py
    (validated, attributed, with the duplicate warning); in the admin they only read, and
    admins write as before."""

    def has_add_permission(self, request, *args):
        return request.user.has_perm("actors.delete_actor") and super().has_add_permission(
            request, *args
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("actors.delete_actor") and super().has_change_permission(
            request, obj
        )


class ActorAliasInline(AdminsWrite, admin.TabularInline):
    model = ActorAlias
    extra = 0
    fields = (
        "name",
        "language",
        "kind",
        "valid_from",
        "valid_from_precision",
        "valid_until",
        "valid_until_precision",
        "normalised",
    )
    readonly_fields = ("normalised",)


class ActorPresenceInline(admin.TabularInline):
    model = ActorPresence
    extra = 0
    fields = ("country_code", "start_date", "start_precision", "end_date", "end_precision", "note")


class RelationOutInline(AdminsWrite, admin.TabularInline):
    model = ActorRelation
    fk_name = "source"
    extra = 0
    autocomplete_fields = ("target",)
    fields = (
        "type",
        "target",
        "start_date",
        "start_precision",
        "end_date",
        "end_precision",
        "countries",
        "note",
    )
    verbose_name_plural = _("relations (this actor is …)")


@admin.register(Actor)
class ActorAdmin(AdminsWrite, admin.ModelAdmin):
    list_display = (
        "name",
        "acronym",
        "kind",
        "acled_inter",
        "countries",
        "active_from",
        "active_until",
    )
    list_filter = ("kind", "acled_inter", "fighting_party")
    search_fields = ("name", "name_fr", "acronym", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (ActorAliasInline, ActorPresenceInline, RelationOutInline)
    readonly_fields = ("created_at", "updated_at")

    def get_search_results(self, request, queryset, search_term):
        # Also match aliases in their normalised form ("Jama'at" finds "Jamaat"), within the
        # changelist's current filters.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = normalise_name(search_term) if search_term else ""
        if key:
            results = results | queryset.filter(aliases__normalised__contains=key)
            may_have_duplicates = True
        return results, may_have_duplicates


@admin.register(ActorAlias)
class ActorAliasAdmin(AdminsWrite, admin.ModelAdmin):
    list_display = ("name", "actor", "language", "kind", "valid_from", "valid_until", "normalised")
    list_filter = ("language", "kind")
    search_fields = ("name", "normalised", "actor__name")
    autocomplete_fields = ("actor",)
    list_select_related = ("actor",)


@admin.register(ActorRelation)
class ActorRelationAdmin(AdminsWrite, admin.ModelAdmin):
    list_display = ("source", "type", "target", "start_date", "end_date", "countries")
    list_filter = ("type",)
    search_fields = ("source__name", "target__name", "note")
    autocomplete_fields = ("source", "target")
    list_select_related = ("source", "target")


@admin.register(ActorPresence)
class ActorPresenceAdmin(admin.ModelAdmin):
    list_display = ("actor", "country_code", "start_date", "end_date")
    list_filter = ("country_code",)
    search_fields = ("actor__name", "note")
    autocomplete_fields = ("actor",)
    list_select_related = ("actor",)
