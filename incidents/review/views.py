"""The review queue's pages: the queue (GET), the decisions on one or several items (POST), and
a report's stored bytes (the evidence). Thin: permissions are checked here and again by the
services, which do the writing."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from incidents.ingest.models import RawReport
from incidents.review import selectors, services

PER_PAGE = 20


TAB_LABELS = {
    "drafts": gettext_lazy("New drafts"),
    "duplicates": gettext_lazy("Possible duplicates"),
    "in_review": gettext_lazy("In review"),
}
ACCEPT_AND_PUBLISH = gettext_lazy("Accept and publish")
# The actions each tab offers (to those allowed): a draft is accepted, or published at once by a
# reviewer (four eyes as ever), merged into its candidate, or discarded.
TAB_ACTIONS = {
    "drafts": ("accept", "publish", "discard"),
    "duplicates": ("merge", "accept", "publish", "discard"),
    "in_review": ("publish", "send_back"),
}


@require_GET
@login_required
@permission_required("incidents.change_incident", raise_exception=True)
def queue(request):
    """The queue: a tab of incidents waiting for a decision, oldest first, a page at a time."""
    tab = request.GET.get("tab", "drafts")
    if tab not in selectors.TABS:
        tab = "drafts"
    page = Paginator(selectors.review_queue(tab), PER_PAGE, allow_empty_first_page=True).get_page(
        request.GET.get("page")
    )
    reviewer = request.user.has_perm("incidents.publish_incident")
    counts = selectors.review_counts()
    actions = [
        (name, ACCEPT_AND_PUBLISH if name == "publish" and tab != "in_review" else label)
        for name, label in services.ACTIONS.items()
        if name in TAB_ACTIONS[tab] and request.user.has_perm(services.ACTION_PERMISSIONS[name])
    ]
    actions.sort(key=lambda action: TAB_ACTIONS[tab].index(action[0]))
    back = f"{reverse('review:queue')}?{urlencode({'tab': tab, 'page': page.number})}"
    return render(
        request,
        "incidents/review/queue.html",
        {
            "tab": tab,
            "tabs": [(name, label, counts[name]) for name, label in TAB_LABELS.items()],
            "page": page,
            "items": selectors.review_items(list(page.object_list)),
            "query": urlencode({"tab": tab}),
            "actions": actions,
            "reviewer": reviewer,
            "summary": selectors.feedback_summary() if reviewer else None,
            "back": back,
        },
    )


@require_POST
@login_required
@permission_required("incidents.change_incident", raise_exception=True)
def act(request):
    """One decision (a button of an item: `do` = "<action>:<id>") or one action on the checked
    items (`do` = "bulk", `action`, `ids`). Each item is decided in its own transaction; each
    refusal is shown, and the others are applied."""
    do = request.POST.get("do", "")
    comment = ""
    if do == "bulk":
        action = request.POST.get("action", "")
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()]
        comment = request.POST.get("comment", "")
    else:
        action, _sep, pk = do.partition(":")
        ids = [pk] if pk.isdigit() else []
        comment = request.POST.get(f"comment-{pk}", "")
    if action not in services.ACTIONS:
        messages.error(request, _("Choose an action."))
        return _back(request)
    if not request.user.has_perm(services.ACTION_PERMISSIONS[action]):
        raise PermissionDenied
    if not ids:
        messages.error(request, _("Check the items to apply the action to."))
        return _back(request)
    for outcome in services.review_bulk(action, ids, user=request.user, comment=comment):
        (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return _back(request)


def _back(request):
    tab = request.POST.get("tab", "drafts")
    tab = tab if tab in selectors.TABS else "drafts"
    page = request.POST.get("page", "1")
    query = {"tab": tab, "page": page if page.isdigit() else "1"}
    return redirect(f"{reverse('review:queue')}?{urlencode(query)}")


@require_GET
@login_required
@permission_required("incidents.view_rawreport", raise_exception=True)
def evidence(request, pk: int):
    """The bytes stored for a report, as fetched (a download: a page's scripts never run on
    this site), with their SHA-256 in a header."""
    report = get_object_or_404(RawReport, pk=pk)
    content_type = (report.content_type or "application/octet-stream").split(";")[0].strip()
    extension = mimetypes.guess_extension(content_type) or ".bin"
    response = HttpResponse(bytes(report.content), content_type="application/octet-stream")
    response["Content-Disposition"] = (
        f'attachment; filename="report-{report.pk}-{report.content_sha256[:12]}{extension}"'
    )
    response["X-Content-SHA256"] = report.content_sha256
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
