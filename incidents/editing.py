"""The editors' pages: the incident form (create and edit, with its inline rows), the possible
duplicates while it is filled in, and the workflow buttons of the incident page.

The form's parts are checked first (incidents/forms.py), then written through the services in
one transaction: any refusal (a service's, the database's) rolls everything back and puts its
message at the field it concerns, with everything typed kept. A stale edit (someone saved the
incident since the form was opened) is refused with both versions shown.
"""

from contextlib import contextmanager
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from incidents import forms, services
from incidents.duplicates import Duplicate, possible_duplicates
from incidents.models import (
    ESTIMATES,
    CivilianHarmReport,
    Incident,
    IncidentActor,
    Source,
    Status,
    Victim,
)

PERSONAL = "incidents.view_personal_data"
ESTIMATE_LABELS = {
    "fatalities": gettext_lazy("killed in all"),
    "killed_civilians": gettext_lazy("civilians killed"),
    "killed_side_a": gettext_lazy("side A killed"),
    "killed_side_b": gettext_lazy("side B killed"),
    "killed_unknown": gettext_lazy("killed, status unknown"),
    "injured": gettext_lazy("injured"),
    "abducted": gettext_lazy("abducted"),
}


class Refused(Exception):
    """A write was refused: the transaction is rolled back, the messages are on the forms."""


# Where a rule's message is clearer than at the last field it reads.
CONSTRAINT_FIELD = {
    "claim_total_covers_categories": "fatalities_high",
    "incident_location_in_range": "latitude",
    "incident_location_required_after_draft": "latitude",
}


def constraint_fields(model) -> dict[str, str]:
    """Each constraint's message, to the field it is shown at: the last of the fields it reads
    in the model's order (the end date of "end after start", the sub-event type of "sub-event
    type of its event type")."""
    order = [f.name for f in model._meta.concrete_fields]
    found = {}
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        names = set(getattr(condition, "referenced_base_fields", ()) or ())
        names |= set(getattr(constraint, "fields", ()) or ())
        named = [n for n in order if n in names]
        if constraint.name in CONSTRAINT_FIELD:
            named = [CONSTRAINT_FIELD[constraint.name]]
        if named and constraint.violation_error_message:
            found[str(constraint.violation_error_message)] = named
    return found


# Model fields the form shows under another name.
FIELD_ON_FORM = {"location": "latitude", "country_code": "country", "tags": "tags_text"}


def put_errors(form, error: ValidationError) -> None:
    """A service's or the model's refusal, at the form's fields where they are on the form."""
    places = {}
    models = getattr(form, "constraint_models", None) or [form._meta.model]
    for model in models:
        places.update(constraint_fields(model))
    items = error.error_dict.items() if hasattr(error, "error_dict") else [(None, error.error_list)]
    for name, errors in items:
        for item in errors:
            text = " ".join(item.messages)
            name = FIELD_ON_FORM.get(name, name)
            field = name if name in form.fields else None
            if field is None:
                candidates = [n for n in places.get(text, []) if n in form.fields]
                field = candidates[-1] if candidates else None
            form.add_error(field, text)


class IncidentEditor:
    """The incident form and its inline rows for one request, and how they are written."""

    def __init__(self, request, incident: Incident | None = None):
        data = request.POST if request.method == "POST" else None
        self.user = request.user
        self.incident = incident
        self.personal = request.user.has_perm(PERSONAL)
        claims = []
        if incident is not None:
            claims = list(
                incident.claims.select_related("source", "claimed_perpetrator").order_by(
                    "source__reliability", "credibility", "id"
                )
            )
        self.claims = {c.pk: c for c in claims}
        self.form = forms.IncidentForm(data, instance=incident or Incident(), prefix="incident")
        self.participants = forms.ParticipantFormSet(
            data, prefix="actors", queryset=self._rows(IncidentActor, "participants")
        )
        self.sources = forms.SourceFormSet(data, prefix="sources", claims=claims)
        self.harm = forms.HarmFormSet(
            data, prefix="harm", queryset=self._rows(CivilianHarmReport, "harm_assessments")
        )
        self.victims = None
        if self.personal:
            victims = Victim.objects.none()
            if incident is not None:
                victims = Victim.objects.filter(report__incident=incident).order_by("report", "id")
            self.victims = forms.VictimFormSet(data, prefix="victims", queryset=victims)
            if data is None:
                numbers = {h.pk: n for n, h in enumerate(self.harm.get_queryset(), 1)}
                for form in self.victims.forms:
                    form.initial["assessment_number"] = numbers.get(form.instance.report_id, 1)

    def _rows(self, model, related: str):
        if self.incident is None:
            return model.objects.none()
        return getattr(self.incident, related).order_by("id")

    @property
    def formsets(self) -> list:
        return [f for f in (self.participants, self.sources, self.harm, self.victims) if f]

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for formset in self.formsets:
            valid = formset.is_valid() and valid
        return valid

    @property
    def error_count(self) -> int:
        count = len(self.form.errors)
        for formset in self.formsets:
            count += sum(len(e) for e in formset.errors) + len(formset.non_form_errors())
        return count

    # --- writing ---

    @contextmanager
    def _writing(self, form):
        """Puts a refusal of the write inside at `form`'s fields; remembers that one failed."""
        try:
            yield
        except ValidationError as error:
            put_errors(form, error)
            self.failed = True
        except IntegrityError as error:
            form.add_error(None, _("The database refused this row: %(error)s") % {"error": error})
            raise Refused from error

    def save(self) -> Incident:
        """Writes everything through the services, in one transaction; Refused (rolled back)
        when anything is refused. A stale version raises services.ConcurrentEditError."""
        self.failed = False
        with transaction.atomic():
            incident = self._save_incident()
            if incident is None:
                raise Refused
            self._save_participants(incident)
            self._save_sources(incident)
            reports = self._save_harm(incident)
            if self.victims is not None:
                self._save_victims(reports)
            if self.failed:
                raise Refused
        return incident

    def _save_incident(self) -> Incident | None:
        fields = self.form.incident_fields()
        with self._writing(self.form):
            if self.incident is None:
                return services.incident_create(user=self.user, **fields)
            return services.incident_update(
                self.incident.pk,
                user=self.user,
                expected_version=self.form.cleaned_data.get("version"),
                **fields,
            )
        return None

    def _save_participants(self, incident: Incident) -> None:
        for form in self.participants.removed_forms():
            form.instance.delete()
        for form in self.participants.kept_forms():
            data = {k: v for k, v in form.cleaned_data.items() if k in form.Meta.fields}
            with self._writing(form):
                if form.instance.pk:
                    services.participant_update(form.instance.pk, **data)
                else:
                    services.participant_create(incident=incident, **data)

    def _save_sources(self, incident: Incident) -> None:
        for form in self.sources.removed_forms():
            claim = self.claims.get(form.cleaned_data.get("claim_id"))
            if claim is not None:
                claim.delete()
        for form in self.sources.kept_forms():
            with self._writing(form):
                source = self._source(form)
                claim = self.claims.get(form.cleaned_data.get("claim_id"))
                if claim is not None:
                    services.claim_update(claim.pk, user=self.user, **form.claim_fields())
                else:
                    services.claim_create(
                        user=self.user,
                        incident_id=incident.pk,
                        source_id=source.pk,
                        **form.claim_fields(),
                    )

    def _source(self, form) -> Source:
        """The row's source: the one it edits, else one cited before with the same URL (it is
        the same report), else a new one."""
        fields = form.source_fields()
        if form.instance.pk is not None:
            return services.source_update(form.instance.pk, user=self.user, **fields)
        if fields.get("url"):
            cited = Source.objects.filter(url=fields["url"]).first()
            if cited is not None:
                return cited
        return services.source_create(user=self.user, **fields)

    def _save_harm(self, incident: Incident) -> dict[int, CivilianHarmReport]:
        """The assessments, by their number on the page (victims name theirs by it)."""
        reports = {}
        for number, form in enumerate(self.harm.forms, 1):
            if form not in self.harm.kept_forms():
                continue
            with self._writing(form):
                if form.instance.pk is None:
                    reports[number] = services.harm_assessment_create(
                        user=self.user, incident_id=incident.pk, **form.harm_fields()
                    )
                else:
                    report = CivilianHarmReport.objects.select_for_update().get(pk=form.instance.pk)
                    for name, value in form.harm_fields().items():
                        setattr(report, name, value)
                    services.record_save(report, user=self.user)
                    reports[number] = report
        return reports

    def _save_victims(self, reports: dict[int, CivilianHarmReport]) -> None:
        """Through the victim services, which check the personal-data permission again."""
        for form in self.victims.removed_forms():
            services.victim_delete(form.instance.pk, user=self.user)
        for form in self.victims.kept_forms():
            number = form.cleaned_data.get("assessment_number") or 1
            report = reports.get(number)
            if report is None:
                form.add_error(
                    "assessment_number",
                    _("There is no civilian-harm assessment number %(n)d on this page.")
                    % {"n": number},
                )
                self.failed = True
                continue
            fields = form.victim_fields()
            with self._writing(form):
                if form.instance.pk:
                    services.victim_update(
                        form.instance.pk, user=self.user, report_id=report.pk, **fields
                    )
                else:
                    services.victim_create(user=self.user, report_id=report.pk, **fields)


# --- what the page shows besides the form --------------------------------------------------


def derivation(incident: Incident | None) -> list[dict]:
    """The figures the claims give (incidents/sql/estimates.sql), next to the incident's."""
    if incident is None or incident.pk is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category, low, best, high FROM incidents_estimates_from_claims(%s)",
            [incident.pk],
        )
        derived = {row[0]: row[1:] for row in cursor.fetchall()}
    return [
        {
            "label": ESTIMATE_LABELS[prefix],
            "derived": derived.get(prefix, (None, None, None)),
            "current": incident.estimate(prefix),
        }
        for prefix in ESTIMATES
    ]


def conflict_rows(editor: IncidentEditor, current: Incident) -> list[tuple[str, str, str]]:
    """The fields where what was typed differs from what is saved now: (label, yours, saved)."""
    typed = editor.form.incident_fields()
    saved = model_to_dict(current, fields=[*forms.IncidentForm.Meta.fields, "tags"])
    saved["location"] = current.location
    saved["tags"] = current.tags
    rows = []
    names = [*forms.IncidentForm.Meta.fields, "location", "tags"]
    for name in names:
        if name not in typed:
            continue
        mine, theirs = typed[name], saved.get(name)
        if _shown(current, name, mine) != _shown(current, name, theirs):
            rows.append((_label(name), _shown(current, name, mine), _shown(current, name, theirs)))
    return rows


def _label(name: str) -> str:
    if name == "location":
        return _("location")
    if name == "tags":
        return _("tags")
    return str(Incident._meta.get_field(name).verbose_name)


def _shown(incident: Incident, name: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, Point):
        return f"{value.y}, {value.x}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value)
    field = Incident._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def render_editor(request, editor: IncidentEditor, *, status=200, conflict=None):
    incident = editor.incident
    context = {
        "editor": editor,
        "form": editor.form,
        "incident": incident,
        "actor_choices": forms.actor_choices(),
        "harm_categories": forms.HARM_CATEGORY_LABELS,
        "derivation": derivation(incident),
        "conflict": conflict,
        "harm_warnings": services.harm_warnings(incident) if incident else [],
        "geocode_url": reverse("api:geocode"),
        "duplicates_url": reverse("incidents:duplicates"),
    }
    return render(request, "incidents/edit.html", context, status=status)


def edit_incident(request, incident: Incident | None):
    editor = IncidentEditor(request, incident)
    if request.method != "POST":
        return render_editor(request, editor)
    if not editor.is_valid():
        return render_editor(request, editor, status=400)
    try:
        saved = editor.save()
    except services.ConcurrentEditError as stale:
        current = stale.current
        editor.form.data = editor.form.data.copy()
        # Saving again on purpose replaces the version shown (never silently).
        editor.form.data[editor.form.add_prefix("version")] = stale.current_version
        conflict = {"rows": conflict_rows(editor, current), "current": current}
        return render_editor(request, editor, status=409, conflict=conflict)
    except Refused:
        return render_editor(request, editor, status=400)
    messages.success(request, _("Saved."))
    saved.refresh_from_db()  # the estimates the claims gave (the database derived them)
    for warning in services.harm_warnings(saved):
        messages.warning(request, warning)
    # "Correct" in the review queue comes back to the queue (a path of this site only).
    back = request.GET.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("incidents:detail", pk=saved.pk)


@login_required
@permission_required("incidents.add_incident", raise_exception=True)
def incident_new(request):
    """A new incident (a draft), with its actors, sources and claims, and civilian harm."""
    return edit_incident(request, None)


@login_required
@permission_required("incidents.change_incident", raise_exception=True)
def incident_edit(request, pk: int):
    incident = get_object_or_404(Incident.objects.select_related("place"), pk=pk)
    return edit_incident(request, incident)


# --- possible duplicates ---------------------------------------------------------------------


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@require_GET
@login_required
@permission_required("incidents.change_incident", raise_exception=True)
def duplicates_json(request):
    """Incidents that may be the one being entered (overlapping dates, nearby, shared actors),
    for the form to show while the editor works."""
    start = _date(request.GET.get("date_start"))
    end = _date(request.GET.get("date_end")) or start
    start = start or end
    location = None
    try:
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            location = Point(lon, lat, srid=4326)
    except (KeyError, ValueError):
        pass
    actor_ids = [int(a) for a in request.GET.getlist("actor") if a.isdigit()]
    exclude = request.GET.get("exclude", "")
    if start is None or (location is None and not actor_ids):
        return JsonResponse({"duplicates": []})
    found = possible_duplicates(
        date_start=start,
        date_end=end,
        location=location,
        actor_ids=actor_ids,
        exclude_id=int(exclude) if exclude.isdigit() else None,
    )
    return JsonResponse({"duplicates": [_duplicate(item) for item in found]})


def _duplicate(found: Duplicate) -> dict:
    return {
        "id": found.id,
        "title": found.title,
        "date_start": found.date_start.isoformat(),
        "status": found.status,
        "distance_km": found.distance_km,
        "shared_actors": found.shared_actors,
        "url": found.url,
    }


# --- workflow --------------------------------------------------------------------------------


def _workflow_step(request, pk: int, step, done: str):
    get_object_or_404(Incident, pk=pk)
    try:
        step()
    except services.WorkflowError as refusal:
        messages.error(request, str(refusal))
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, done)
    return redirect("incidents:detail", pk=pk)


@require_POST
@login_required
@permission_required("incidents.change_incident", raise_exception=True)
def incident_submit(request, pk: int):
    return _workflow_step(
        request,
        pk,
        lambda: services.incident_submit_for_review(pk, user=request.user),
        _("Sent for review."),
    )


@require_POST
@login_required
@permission_required("incidents.publish_incident", raise_exception=True)
def incident_publish(request, pk: int):
    return _workflow_step(
        request, pk, lambda: services.incident_publish(pk, user=request.user), _("Published.")
    )


@require_POST
@login_required
@permission_required("incidents.publish_incident", raise_exception=True)
def incident_send_back(request, pk: int):
    comment = request.POST.get("comment", "")
    return _workflow_step(
        request,
        pk,
        lambda: services.incident_send_back(pk, user=request.user, comment=comment),
        _("Sent back to the editor."),
    )


@require_POST
@login_required
@permission_required("incidents.publish_incident", raise_exception=True)
def incident_retract(request, pk: int):
    reason = request.POST.get("reason", "")
    return _workflow_step(
        request,
        pk,
        lambda: services.incident_retract(pk, user=request.user, reason=reason),
        _("Retracted."),
    )


def workflow_actions(user, incident: Incident) -> dict:
    """Which workflow buttons the incident page shows to `user`."""
    if incident is None or not user.has_perm("incidents.change_incident"):
        return {}
    reviewer = user.has_perm("incidents.publish_incident")
    own = incident.created_by_id == user.pk
    return {
        "edit": True,
        "submit": incident.status == Status.DRAFT,
        "publish": reviewer and incident.status == Status.IN_REVIEW and not own,
        # Reviewing is for another pair of eyes: a reviewer's own entry waits for a colleague.
        "send_back": reviewer and incident.status == Status.IN_REVIEW and not own,
        "retract": reviewer and incident.status == Status.PUBLISHED,
        # Merge and split (incidents/operations.py): reviewers, while the incident stands.
        "merge": reviewer and incident.status != Status.RETRACTED,
        "split": reviewer and incident.status != Status.RETRACTED,
    }
