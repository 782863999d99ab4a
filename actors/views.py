"""The actor directory, an actor's page, and the editors' actor form. Thin: parse input, call a
selector or a service, render."""

from contextlib import contextmanager
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from actors import charts, selectors, services
from actors import forms as actor_forms
from actors.filters import ActorFilterSet
from actors.models import AcledInter, Actor, ActorAlias, ActorKind, ActorRelation
from incidents.editing import put_errors
from incidents.filters import filter_errors
from incidents.forms import actor_choices
from incidents.geo.countries import COUNTRIES, SAHEL_COUNTRIES
from incidents.taxonomy import EventType
from incidents.views import view_incidents

PER_PAGE = 100

# Sort keys: each key sorts one way, its "-" twin the other.
SORTS = {
    "name": gettext_lazy("name, A to Z"),
    "-name": gettext_lazy("name, Z to A"),
    "incidents": gettext_lazy("most incidents first"),
    "-incidents": gettext_lazy("fewest incidents first"),
    "last": gettext_lazy("latest incident first"),
    "-last": gettext_lazy("earliest last incident first"),
}


def _display_name(actor: Actor, french: bool) -> str:
    return (actor.name_fr if french and actor.name_fr else actor.name).casefold()


def _sorted(rows: list[dict], sort: str, french: bool) -> list[dict]:
    """Names A to Z; incidents most first; the last incident latest first ("-": the other way).
    Ties by name; actors without incidents last when sorted by incidents."""
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    rows = sorted(rows, key=lambda row: _display_name(row["actor"], french))
    if key == "name":
        return rows[::-1] if reverse else rows
    value = {
        "incidents": lambda count: count.incidents,
        "last": lambda count: count.last.toordinal(),
    }[key]
    counted = [row for row in rows if row["count"]]
    counted.sort(key=lambda row: value(row["count"]) if reverse else -value(row["count"]))
    return counted + [row for row in rows if not row["count"]]


@require_GET
@login_required
@view_incidents
def directory(request):
    """Every actor of the catalogue: searchable by any of its names, filtered by kind and
    country, with how many incidents the user may see it took part in and the last one."""
    filterset = ActorFilterSet(request.GET, queryset=selectors.actors_for_directory())
    errors = {} if filterset.is_valid() else filter_errors(filterset)
    sort = request.GET.get("sort", "name")
    if sort not in SORTS:
        errors["sort"] = [_("sort by name, incidents or last (or -name, -incidents, -last)")]
    french = (get_language() or "en").startswith("fr")
    page = counted = None
    if not errors:
        counted = selectors.actor_incident_counts(request.user)
        rows = [
            {
                "actor": actor,
                "count": counted.value.get(actor.pk),
                "countries": _countries(actor),
                "matched_alias": getattr(actor, "matched_alias", None),
            }
            for actor in filterset.qs
        ]
        page = Paginator(_sorted(rows, sort, french), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(
        request,
        "actors/directory.html",
        {
            "page": page,
            "counted": counted,
            "errors": errors,
            "sort": sort,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "kinds": ActorKind.choices,
            "sorts": SORTS.items(),
            "countries": _country_choices(french),
            "french": french,
        },
        status=400 if errors else 200,
    )


def _countries(actor: Actor) -> list[str]:
    """The actor's countries, main one first, then those it was present in (presences)."""
    codes = list(actor.countries or [])
    for presence in actor.presences.all():
        if presence.country_code not in codes:
            codes.append(presence.country_code)
    return codes


def _country_choices(french: bool) -> list[tuple[str, str]]:
    """The Sahel countries first, then the others the project knows, by name."""
    others = sorted(
        (c for c in COUNTRIES.values() if c.iso2 not in SAHEL_COUNTRIES),
        key=lambda c: c.name_fr if french else c.name_en,
    )
    ordered = [COUNTRIES[code] for code in SAHEL_COUNTRIES] + others
    return [(c.iso2, c.name_fr if french else c.name_en) for c in ordered]


@require_GET
@login_required
@view_incidents
def actor_detail(request, slug: str):
    """One actor: who it is, its names over time, its relations drawn on a time axis, where it
    was present, and the incidents the user may see it (and, on request, its member groups)
    took part in: on a map, per month, and their fatalities by the role it held."""
    try:
        actor = selectors.actor_profile(slug)
    except Actor.DoesNotExist:
        raise Http404(_("No such actor.")) from None
    members = request.GET.get("members") in {"1", "true", "on"}
    relations = selectors.actor_relations(actor.pk)
    counted = selectors.actor_incidents(request.user, actor.pk, members=members)
    summary = counted.value
    windows = selectors.actor_group_windows([actor.pk], members=members)
    others = Actor.objects.in_bulk({w.actor_id for w in windows} - {actor.pk})
    filters = {"actor": actor.slug, **({"actor_members": "true"} if members else {})}
    return render(
        request,
        "actors/actor_detail.html",
        {
            "actor": actor,
            "members": members,
            "relations": relations,
            "timeline": charts.relation_timeline(actor, relations) if relations else None,
            "summary": summary,
            "counted": counted,
            "months": charts.month_chart(summary.months),
            # The other actors counted with this one, and from when to when.
            "group": [
                (
                    others[w.actor_id],
                    None if w.start == selectors.NEVER else w.start,
                    None if w.end == selectors.FOREVER else w.end,
                )
                for w in sorted(windows, key=lambda w: (w.start, w.actor_id))
                if w.actor_id in others
            ],
            "acled_inter": AcledInter(actor.acled_inter_code),
            "map_data": _map_data(summary),
            "max_cells": selectors.MAX_MAP_CELLS,
            "map_url": f"{reverse('incidents:map')}?{urlencode(filters)}",
            "list_url": f"{reverse('incidents:list')}?{urlencode(filters)}",
            "roles": _roles(summary.roles),
            # Who changed the actor, its aliases and relations: for those who edit actors.
            "history": selectors.actor_history(actor)
            if request.user.has_perm("actors.change_actor")
            else None,
        },
    )


def _map_data(summary: selectors.ActorIncidents) -> dict:
    """What the map draws (static/actors/actor.js): the grid, the event types [code, label],
    and the cells [longitude, latitude, incidents, fatalities, index of their main type]."""
    types = [(e.value, str(e.label)) for e in EventType]
    index = {code: n for n, (code, _) in enumerate(types)}
    return {
        "grid": summary.grid,
        "types": types,
        "cells": [[lon, lat, n, f, index.get(t, -1)] for lon, lat, n, f, t in summary.cells],
    }


def _roles(roles: dict[str, tuple[int, int]]) -> list[tuple[str, str, int, int]]:
    """(convention, role, incidents, fatalities) rows of the fatalities table."""
    labels = {
        "actor1": ("ACLED", _("actor 1")),
        "actor2": ("ACLED", _("actor 2")),
        "assoc_actor_1": ("ACLED", _("associated with actor 1")),
        "assoc_actor_2": ("ACLED", _("associated with actor 2")),
        "side_a": ("UCDP", _("side A")),
        "side_b": ("UCDP", _("side B")),
        "claimed": ("", _("claimed responsibility")),
    }
    return [(*labels[name], *roles[name]) for name in selectors.ROLES]


# --- The editors' actor form (create and edit) --------------------------------------------------


class Refused(Exception):
    """A write was refused: rolled back, the messages are on the forms."""


class ActorEditor:
    """The actor form and its alias and relation rows for one request, and how they are written
    (through actors/services.py, in one transaction)."""

    def __init__(self, request, actor: Actor | None = None):
        data = request.POST if request.method == "POST" else None
        self.user = request.user
        self.actor = actor
        self.form = actor_forms.ActorForm(data, instance=actor or Actor(), prefix="actor")
        aliases = actor.aliases.order_by("name") if actor else ActorAlias.objects.none()
        relations = (
            actor.relations_out.select_related("target").order_by("type", "start_date")
            if actor
            else ActorRelation.objects.none()
        )
        self.aliases = actor_forms.AliasFormSet(data, prefix="aliases", queryset=aliases)
        self.relations = actor_forms.RelationFormSet(data, prefix="relations", queryset=relations)
        self.resemblances: list = []

    @property
    def formsets(self):
        return [self.aliases, self.relations]

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for formset in self.formsets:
            valid = formset.is_valid() and valid
        return valid

    def new_names(self) -> list[str]:
        """The names this save would add: a new actor's name and acronym, new aliases."""
        names = []
        if self.actor is None:
            names += [self.form.cleaned_data.get("name"), self.form.cleaned_data.get("acronym")]
        elif "name" in self.form.changed_data:
            names.append(self.form.cleaned_data.get("name"))
        names += [
            f.cleaned_data.get("name") for f in self.aliases.kept_forms() if not f.instance.pk
        ]
        return [n for n in names if n]

    def check_resemblances(self) -> bool:
        """Whether saving may go on: no existing actor resembles the new names, or the editor
        ticked "create anyway" after seeing them."""
        self.resemblances = selectors.actors_resembling(
            self.new_names(), exclude_id=self.actor.pk if self.actor else None
        )
        if self.resemblances and not self.form.cleaned_data.get("create_anyway"):
            self.form.add_error(
                "create_anyway",
                _(
                    "Existing actors have similar names (listed above): check that this is none "
                    "of them, then tick this box to save."
                ),
            )
            return False
        return True

    @contextmanager
    def _writing(self, form):
        try:
            yield
        except ValidationError as error:
            put_errors(form, error)
            self.failed = True

    def save(self) -> Actor:
        self.failed = False
        with transaction.atomic():
            actor = None
            with self._writing(self.form):
                fields = self.form.actor_fields()
                if self.actor is None:
                    actor = services.actor_create(user=self.user, **fields)
                else:
                    actor = services.actor_update(self.actor.pk, user=self.user, **fields)
            if actor is None:
                raise Refused
            for form in self.aliases.removed_forms():
                services.alias_delete(form.instance.pk, user=self.user)
            for form in self.aliases.kept_forms():
                with self._writing(form):
                    if form.instance.pk:
                        services.alias_update(
                            form.instance.pk, user=self.user, **form.alias_fields()
                        )
                    else:
                        services.alias_create(
                            user=self.user, actor_id=actor.pk, **form.alias_fields()
                        )
            for form in self.relations.removed_forms():
                services.relation_delete(form.instance.pk, user=self.user)
            for form in self.relations.kept_forms():
                with self._writing(form):
                    if form.instance.pk:
                        services.relation_update(
                            form.instance.pk, user=self.user, **form.relation_fields()
                        )
                    else:
                        services.relation_create(
                            user=self.user, source_id=actor.pk, **form.relation_fields()
                        )
            if self.failed:
                raise Refused
        return actor


def edit_actor(request, actor: Actor | None):
    editor = ActorEditor(request, actor)
    status = 200
    if request.method == "POST":
        status = 400
        if editor.is_valid() and editor.check_resemblances():
            try:
                saved = editor.save()
            except Refused:
                pass
            else:
                messages.success(request, _("Saved."))
                return redirect("actors:detail", slug=saved.slug)
    context = {
        "editor": editor,
        "form": editor.form,
        "actor": actor,
        "actor_choices": actor_choices(),
        "resemblances": editor.resemblances,
    }
    return render(request, "actors/edit.html", context, status=status)


@login_required
@permission_required("actors.add_actor", raise_exception=True)
def actor_new(request):
    """A new actor with its aliases and relations; a name resembling an existing actor's is
    shown with links before anything is saved."""
    return edit_actor(request, None)


@login_required
@permission_required("actors.change_actor", raise_exception=True)
def actor_edit(request, slug: str):
    return edit_actor(request, get_object_or_404(Actor, slug=slug))
