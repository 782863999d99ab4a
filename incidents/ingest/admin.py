"""Admin of ingestion: sources (configured by admins, with their polling state as columns and the
queue lengths above the list) and raw reports (read only: they are evidence), with actions to
poll a source now and to re-run failed or dead reports."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from incidents.ingest import tasks
from incidents.ingest.forms import UploadForm
from incidents.ingest.models import (
    POLLED_KINDS,
    ExtractionFeedback,
    IngestSource,
    RawReport,
    ReportStatus,
)
from incidents.ingest.uploads import upload_source

UPLOAD_PERMISSION = "incidents.upload_rawreport"


@admin.register(IngestSource)
class IngestSourceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "enabled",
        "poll_interval_minutes",
        "last_polled_at",
        "last_success_at",
        "consecutive_failures",
        "short_error",
        "given_up",
    )
    list_filter = ("kind", "enabled")
    search_fields = ("name", "url", "publisher")
    actions = ["poll_now"]
    fields = (
        "name",
        "kind",
        "url",
        "publisher",
        "source_kind",
        "reliability",
        "poll_interval_minutes",
        "enabled",
        "last_polled_at",
        "last_success_at",
        "consecutive_failures",
        "last_error",
        "dead_since",
        "etag",
        "last_modified",
    )
    readonly_fields = (
        "last_polled_at",
        "last_success_at",
        "consecutive_failures",
        "last_error",
        "dead_since",
        "etag",
        "last_modified",
    )

    @admin.display(description=_("last error"))
    def short_error(self, obj: IngestSource) -> str:
        return obj.last_error[:120]

    @admin.display(description=_("given up"), boolean=True)
    def given_up(self, obj: IngestSource) -> bool:
        return obj.dead_since is not None

    @admin.action(description=_("Poll the selected feeds now"), permissions=["change"])
    def poll_now(self, request, queryset):
        count = tasks.sources_poll_now(
            list(queryset.filter(kind__in=POLLED_KINDS).values_list("pk", flat=True))
        )
        self.message_user(
            request,
            ngettext("%(count)d feed will be polled.", "%(count)d feeds will be polled.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        try:
            lengths = tasks.queue_lengths()
        except Exception:  # Redis down: the list still shows
            lengths = {}
        if lengths:
            waiting = ", ".join(f"{kind} {'?' if n is None else n}" for kind, n in lengths.items())
            messages.info(request, _("Waiting in the queues: %(queues)s") % {"queues": waiting})
        return super().changelist_view(request, extra_context)


@admin.register(RawReport)
class RawReportAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "source",
        "status",
        "attempts",
        "fetched_at",
        "incident",
        "short_error",
    )
    list_filter = ("status", "source")
    search_fields = ("title", "url", "content_sha256")
    list_select_related = ("source", "incident")
    actions = ["rerun"]
    change_list_template = "admin/incidents/rawreport/change_list.html"
    fields = (
        "source",
        "title",
        "url",
        "normalised_url",
        "published_at",
        "fetched_at",
        "content_type",
        "content_sha256",
        "content_size",
        "dataset_version",
        "language",
        "status",
        "attempts",
        "last_error",
        "incident",
        "source_record",
        "discarded_at",
        "text",
        "extraction_json",
        "geocoding_json",
        "match_json",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # evidence is kept

    def get_urls(self):
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="incidents_rawreport_upload",
        )
        return [upload, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"may_upload": request.user.has_perm(UPLOAD_PERMISSION), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def upload_view(self, request):
        """An editor uploads a report or a dataset export: stored once, then queued (a report
        to extraction, an export to the imports queue). A file stored before is refused at the
        file field, naming the report it is."""
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied
        default = upload_source()  # the default source exists, and is chosen unless changed
        form = UploadForm(
            request.POST or None, request.FILES or None, initial={"source": default.pk}
        )
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                stored = form.save()
                if stored is not None and stored[1]:
                    report = stored[0]
                    transaction.on_commit(lambda: tasks.report_enqueue(report.pk))
            if stored is not None and not stored[1]:
                form.add_error(
                    "file",
                    _("This file was uploaded already: report #%(id)d (%(status)s).")
                    % {"id": stored[0].pk, "status": stored[0].get_status_display()},
                )
            elif stored is not None:
                self.message_user(
                    request,
                    _("The file is stored as report #%(id)d and queued for processing.")
                    % {"id": stored[0].pk},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:incidents_rawreport_change", args=[stored[0].pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Upload a file to ingest"),
            "form": form,
        }
        return TemplateResponse(request, "admin/incidents/rawreport/upload.html", context)

    @admin.display(description=_("last error"))
    def short_error(self, obj: RawReport) -> str:
        return obj.last_error[:120]

    @admin.display(description=_("size in bytes"))
    def content_size(self, obj: RawReport) -> int:
        return len(obj.content or b"")

    @admin.display(description=_("extraction"))
    def extraction_json(self, obj: RawReport) -> str:
        return _pretty(obj.extraction)

    @admin.display(description=_("geocoding"))
    def geocoding_json(self, obj: RawReport) -> str:
        return _pretty(obj.geocoding)

    @admin.display(description=_("match decision"))
    def match_json(self, obj: RawReport) -> str:
        return _pretty(obj.match)

    @admin.action(
        description=_("Re-run the selected failed or dead reports"), permissions=["change"]
    )
    def rerun(self, request, queryset):
        ids = tasks.reports_rerun(
            queryset.filter(status__in=[ReportStatus.FAILED, ReportStatus.DEAD]).values_list(
                "pk", flat=True
            )
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d report will be processed again.",
                "%(count)d reports will be processed again.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )


def _pretty(value) -> str:
    if value is None:
        return "-"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


@admin.register(ExtractionFeedback)
class ExtractionFeedbackAdmin(admin.ModelAdmin):
    """The review queue's decisions on drafts made from reports, with what the extractor proposed
    and what editors kept: read only (the review services write them). The summary is above the
    list."""

    list_display = (
        "report",
        "event_index",
        "incident",
        "decision",
        "changed",
        "user",
        "decided_at",
    )
    list_filter = ("decision",)
    list_select_related = ("report", "incident", "user")
    search_fields = ("report__title", "report__url")
    fields = (
        "report",
        "event_index",
        "incident",
        "decision",
        "changed",
        "proposed_json",
        "final_json",
        "user",
        "decided_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("proposed by the extractor"))
    def proposed_json(self, obj: ExtractionFeedback) -> str:
        return _pretty(obj.proposed)

    @admin.display(description=_("kept by the editor"))
    def final_json(self, obj: ExtractionFeedback) -> str:
        return _pretty(obj.final)

    def changelist_view(self, request, extra_context=None):
        from incidents.review.selectors import feedback_summary

        summary = feedback_summary()
        if summary["accepted"]:
            rates = ", ".join(
                f"{row['field']} {round(100 * row['rate'])}%" for row in summary["fields"]
            )
            messages.info(
                request,
                _(
                    "%(unchanged)s of %(accepted)s accepted drafts were kept as extracted; "
                    "corrected: %(rates)s. %(merged)s merged, %(discarded)s discarded."
                )
                % {**summary, "rates": rates},
            )
        return super().changelist_view(request, extra_context)
