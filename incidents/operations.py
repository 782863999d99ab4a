"""The reviewers' merge and split pages and the admins' undo of either, and the admins'
restore from the history (the services in incidents/services.py and incidents/history.py do the
work and enforce the roles again): choose, see both sides on a confirmation page, then POST. A
refusal is shown on the page, nothing changed."""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from incidents import history, services
from incidents.duplicates import possible_duplicates
from incidents.editing import put_errors
from incidents.models import CommentKind, Incident, ReviewComment, Status

REVIEWER = "incidents.publish_incident"
ADMIN = "incidents.delete_incident"


def incident_rows(incident: Incident) -> dict[str, list]:
    """What an incident holds that a merge or a split moves: its claims (with their sources),
    participants and civilian-harm assessments."""
    return {
        "claims": list(incident.claims.select_related("source").order_by("id")),
        "participants": list(incident.participants.select_related("actor").order_by("id")),
        "harm": list(incident.harm_assessments.order_by("id")),
    }


def operations_of(incident: Incident) -> list[ReviewComment]:
    """The merges and splits an incident took part in (as survivor or original, or as the
    other side), newest first: the incident page's operation log."""
    return list(
        ReviewComment.objects.filter(kind__in=[CommentKind.MERGE, CommentKind.SPLIT])
        .filter(Q(incident=incident) | Q(details__other=incident.pk))
        .select_related("author", "undone_by")
        .order_by("-created_at", "-id")
    )


# --- merge -------------------------------------------------------------------------------------


class MergeForm(forms.Form):
    other = forms.IntegerField(label=gettext_lazy("the other incident (its number)"), min_value=1)
    keep = forms.ChoiceField(
        label=gettext_lazy("which one survives"),
        choices=[
            ("this", gettext_lazy("this incident survives; the other is merged into it")),
            ("other", gettext_lazy("the other survives; this incident is merged into it")),
        ],
        initial="this",
        widget=forms.RadioSelect,
        required=False,
        help_text=gettext_lazy(
            "When not chosen (a possible duplicate's link): the published one survives, else the "
            "older record."
        ),
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean(self):
        data = super().clean()
        other = data.get("other")
        if isinstance(other, Incident) and not data.get("keep"):
            data["keep"] = "other" if _outranks(other, self.incident) else "this"
        return data

    def clean_other(self) -> Incident:
        pk = self.cleaned_data["other"]
        if pk == self.incident.pk:
            raise ValidationError(_("An incident cannot be merged into itself."))
        other = Incident.objects.filter(pk=pk).first()
        if other is None:
            raise ValidationError(_("There is no incident #%(id)s.") % {"id": pk})
        if other.status == Status.RETRACTED:
            raise ValidationError(
                _("Incident #%(id)s is retracted: it cannot take part in a merge.") % {"id": pk}
            )
        return other

    def pair(self) -> tuple[Incident, Incident]:
        """(survivor, merged)."""
        other = self.cleaned_data["other"]
        if self.cleaned_data["keep"] == "other":
            return other, self.incident
        return self.incident, other


def _outranks(first: Incident, second: Incident) -> bool:
    """Whether `first` should survive a merge with `second` when the reviewer has not said: a
    published record before one that is not, else the older."""
    published = (first.status == Status.PUBLISHED, second.status == Status.PUBLISHED)
    if published[0] != published[1]:
        return published[0]
    return first.pk < second.pk


def _duplicates_of(incident: Incident) -> list:
    return possible_duplicates(
        date_start=incident.date_start,
        date_end=incident.date_end,
        location=incident.location,
        actor_ids=list(incident.participants.values_list("actor_id", flat=True)),
        exclude_id=incident.pk,
    )


@login_required
@permission_required(REVIEWER, raise_exception=True)
def incident_merge(request, pk: int):
    """Merge this incident with another: choose it (by number or among the possible
    duplicates) and which survives, see both side by side, confirm (POST)."""
    incident = get_object_or_404(Incident, pk=pk)
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "other" in request.GET else None)
    )
    form = MergeForm(data, incident=incident)
    context = {"incident": incident, "form": form, "duplicates": _duplicates_of(incident)}
    if data is None:
        return render(request, "incidents/merge.html", context)
    if not form.is_valid():
        return render(request, "incidents/merge.html", context, status=400)
    survivor, merged = form.pair()
    context.update(
        survivor=survivor,
        merged=merged,
        survivor_rows=incident_rows(survivor),
        merged_rows=incident_rows(merged),
    )
    if request.method != "POST":
        preview = merge_preview(survivor, merged, request.user)
        if "refusal" in preview:
            form.add_error(None, preview["refusal"])
            return render(request, "incidents/merge.html", context, status=400)
        moving, staying = _split_rows(context["merged_rows"], preview["kept"])
        context.update(moving_rows=moving, staying_rows=staying)
        return render(request, "incidents/merge.html", context)
    try:
        services.incident_merge(survivor.pk, merged.pk, user=request.user)
    except (services.WorkflowError, ValidationError) as refusal:
        form.add_error(None, _refusal_text(refusal))
        return render(request, "incidents/merge.html", context, status=400)
    messages.success(
        request,
        _("Incident #%(merged)s was merged into #%(survivor)s.")
        % {"merged": merged.pk, "survivor": survivor.pk},
    )
    return redirect("incidents:detail", pk=survivor.pk)


def merge_preview(survivor: Incident, merged: Incident, user) -> dict:
    """What the merge would do, read from the service's own rules without writing or locking
    anything: {"kept": ids of the merged record's rows that would stay on it, by kind} or
    {"refusal": the service's message}. The POST that follows is judged again."""
    try:
        kept = services.incident_merge_plan(survivor.pk, merged.pk, user=user)
    except (services.WorkflowError, ValidationError) as refusal:
        return {"refusal": _refusal_text(refusal)}
    return {"kept": {kind: set(ids) for kind, ids in kept.items()}}


def _split_rows(rows: dict[str, list], kept: dict[str, set]) -> tuple[dict, dict]:
    """(rows that move, rows that stay) of the merged record."""
    moving = {k: [r for r in found if r.pk not in kept.get(k, set())] for k, found in rows.items()}
    staying = {k: [r for r in found if r.pk in kept.get(k, set())] for k, found in rows.items()}
    return moving, staying


def _refusal_text(refusal: Exception) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(refusal.messages)
    return str(refusal)


# --- split -------------------------------------------------------------------------------------


class SplitForm(forms.Form):
    """Which rows go to the new incident, and what the new incident is (the rest of its coding
    is copied from this one)."""

    # A refusal of the new incident (its dates, say) goes to these fields (editing.put_errors).
    constraint_models = (Incident,)

    claim_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("sources and their claims"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participant_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("actors"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    harm_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("civilian-harm assessments"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(label=gettext_lazy("title of the new incident"), max_length=300)
    date_start = forms.DateField(
        label=gettext_lazy("start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_end = forms.DateField(
        label=gettext_lazy("end date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    location_name = forms.CharField(
        label=gettext_lazy("place as reported"), max_length=300, required=False
    )
    latitude = forms.DecimalField(
        label=gettext_lazy("latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=gettext_lazy("Empty: the point of this incident."),
    )
    longitude = forms.DecimalField(
        label=gettext_lazy("longitude"), required=False, min_value=-180, max_value=180
    )

    def __init__(self, *args, incident: Incident, rows: dict[str, list], **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident
        self.fields["claim_ids"].choices = [
            (c.pk, f"{c.source.publisher} — {c.summary[:80]}") for c in rows["claims"]
        ]
        self.fields["participant_ids"].choices = [
            (
                p.pk,
                f"{p.actor.name} ({p.get_acled_position_display() or p.get_ucdp_side_display()})",
            )
            for p in rows["participants"]
        ]
        self.fields["harm_ids"].choices = [
            (h.pk, f"#{h.pk} {h.get_grade_display()} {h.assessor}") for h in rows["harm"]
        ]
        if not self.is_bound:
            self.initial.update(
                title=_("%(title)s (split)") % {"title": incident.title},
                date_start=incident.date_start,
                date_end=incident.date_end,
                location_name=incident.location_name,
            )

    def clean(self):
        data = super().clean()
        chosen = [data.get(n) for n in ("claim_ids", "participant_ids", "harm_ids")]
        if not any(chosen):
            raise ValidationError(
                _("Choose the claims, actors or assessments the new incident takes.")
            )
        one_coordinate = (data.get("latitude") is None) != (data.get("longitude") is None)
        if one_coordinate and not self.has_error("latitude") and not self.has_error("longitude"):
            self.add_error("latitude", _("Give both the latitude and the longitude."))
        start, end = data.get("date_start"), data.get("date_end")
        if start and end and end < start:
            self.add_error("date_end", _("The end date cannot be before the start date."))
        for name in ("date_start", "date_end"):
            if data.get(name) and data[name] > date.today():
                self.add_error(name, _("This date is in the future."))
        return data

    def split_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "claim_ids": data["claim_ids"],
            "participant_ids": data["participant_ids"],
            "harm_ids": data["harm_ids"],
            "title": data["title"],
            "date_start": data["date_start"],
            "date_end": data["date_end"],
            "location_name": data["location_name"],
            **(
                {"location": Point(float(data["longitude"]), float(data["latitude"]), srid=4326)}
                if data.get("latitude") is not None and data.get("longitude") is not None
                else {}
            ),
        }

    def chosen(self, rows: dict[str, list]) -> dict[str, list]:
        """The rows that go to the new incident."""
        names = {"claims": "claim_ids", "participants": "participant_ids", "harm": "harm_ids"}
        return {
            kind: [r for r in found if r.pk in set(self.cleaned_data[names[kind]])]
            for kind, found in rows.items()
        }


@login_required
@permission_required(REVIEWER, raise_exception=True)
def incident_split(request, pk: int):
    """Split this incident: choose the rows that go to a new incident and what it is called and
    when it happened, see what goes where, confirm (POST with `confirm`)."""
    incident = get_object_or_404(Incident, pk=pk)
    rows = incident_rows(incident)
    form = SplitForm(
        request.POST if request.method == "POST" else None, incident=incident, rows=rows
    )
    context = {"incident": incident, "form": form, "rows": rows}
    if request.method != "POST":
        return render(request, "incidents/split.html", context)
    if not form.is_valid():
        return render(request, "incidents/split.html", context, status=400)
    context["moving"] = form.chosen(rows)
    if "confirm" not in request.POST:
        return render(request, "incidents/split.html", {**context, "confirming": True})
    try:
        new = services.incident_split(pk, user=request.user, **form.split_kwargs())
    except services.WorkflowError as refusal:
        form.add_error(None, str(refusal))
        return render(request, "incidents/split.html", context, status=400)
    except ValidationError as refusal:
        put_errors(form, refusal)
        return render(request, "incidents/split.html", context, status=400)
    messages.success(
        request,
        _("Incident #%(new)s was split off #%(original)s (a draft).")
        % {"new": new.pk, "original": pk},
    )
    return redirect("incidents:detail", pk=new.pk)


# --- undo --------------------------------------------------------------------------------------


@require_POST
@login_required
@permission_required(ADMIN, raise_exception=True)
def operation_undo(request, pk: int):
    """Undo a merge or a split (admins; the service checks again)."""
    operation = get_object_or_404(
        ReviewComment, pk=pk, kind__in=[CommentKind.MERGE, CommentKind.SPLIT]
    )
    undo = (
        services.incident_merge_undo
        if operation.kind == CommentKind.MERGE
        else services.incident_split_undo
    )
    try:
        undo(operation.pk, user=request.user)
    except (services.WorkflowError, ValidationError) as refusal:
        messages.error(request, _refusal_text(refusal))
    else:
        messages.success(
            request,
            _("The merge was undone.")
            if operation.kind == CommentKind.MERGE
            else _("The split was undone."),
        )
    return redirect("incidents:detail", pk=operation.incident_id)


# --- restore from the history ------------------------------------------------------------------


@require_POST
@login_required
@permission_required(ADMIN, raise_exception=True)
def history_restore(request, pk: int):
    """Set a row back to what a history entry recorded (admins; the service checks again):
    every restorable field, or the one named `field`. The restore is recorded in the history."""
    get_object_or_404(Incident, pk=pk)
    field = request.POST.get("field") or None
    try:
        history.history_restore(
            request.POST.get("event", ""), user=request.user, fields=[field] if field else None
        )
    except history.RestoreError as refusal:
        messages.error(request, str(refusal))
    except ValidationError as refusal:
        messages.error(
            request,
            _("The restore was refused: %(reason)s") % {"reason": " ".join(refusal.messages)},
        )
    else:
        messages.success(request, _("Restored from the history."))
    return redirect(f"{reverse('incidents:detail', args=[pk])}#history")
