"""The permission matrix: what a GET of every URL pattern answers to every role.

tests/guards/test_permissions.py walks the whole URL configuration and requests every pattern as
every role; a pattern without an entry here, or an answer other than the one written here, fails
it. The expectations are written from the README's Roles section (and, where it is silent, from
what a careful security reviewer would expect, said in a comment), never from incidents/roles.py:
the table is the specification the code is tested against.

Adding a page or an endpoint: add an entry to URLS under its URL name ("namespace:name"; the full
route for an unnamed pattern), with one outcome per role (the helpers below write the usual
shapes), and say how each route parameter is filled (`params`: a literal, or a Sample the guard's
fixture makes, listed in SAMPLES). Registering a model in the admin: add its row to ADMIN_MODELS
(which roles may view, add, change and delete it); the guard expands it into the model's admin
URLs. Adding a custom admin URL (ModelAdmin.get_urls): an entry in URLS, like
admin:auth_user_password_change below.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

# Roles: the users of tests/conftest.py `users` (tests.factories.UserFactory(role=...)). A viewer
# is not staff; editors, reviewers and admins are staff members of their group, not superusers.
ANONYMOUS, VIEWER, EDITOR, REVIEWER, ADMIN = "anonymous", "viewer", "editor", "reviewer", "admin"
# Partner API clients authenticate with an API key (`Authorization: Api-Key <key>`), not a
# session: the guard's partner sends the key of a partner organisation with exact coordinates on
# every request (test_permissions.role_clients). The helpers below treat a partner like an
# anonymous visitor of the session pages (a key opens none of them); the API entries say more.
PARTNER = "partner"
ROLES = (ANONYMOUS, VIEWER, EDITOR, REVIEWER, ADMIN, PARTNER)
STAFF = frozenset({EDITOR, REVIEWER, ADMIN})

# What a GET answers. A redirect is classified by where it goes.
OK = "200"
TO_LOGIN = "302 to the login page"
TO_ADMIN_LOGIN = "302 to the admin login"
REDIRECT = "302 elsewhere"
UNAUTHORIZED = "401"
FORBIDDEN = "403"
NOT_FOUND = "404"
GET_NOT_ALLOWED = "405"


@dataclass(frozen=True)
class Sample:
    """A route parameter's value that the guard's fixture makes (see SAMPLES)."""

    name: str


@dataclass(frozen=True)
class Case:
    """One request: route parameters (a literal or a Sample), a query string, and the outcome
    for each role."""

    expect: Mapping[str, str]
    params: Mapping[str, str | Sample] = field(default_factory=dict)
    query: str = ""
    label: str = ""


# How route parameters are filled: a literal written in the entry (the admin catch-all's <url> is
# "no-such-page/"), one request per app label for the admin app index (<app_label>, expanded from
# ADMIN_MODELS), admin_object() for every admin <object_id> (and the user's <id> of the admin
# password form), and these values made by the guard's fixture (test_permissions.site_objects):
SAMPLES = {
    "published incident": "id of the first demo incident (incidents.sampledata.demo.demo_load)",
    "retracted incident": "id of the second demo incident, retracted by the reviewer",
    "draft incident": "id of the incident imported from the example UCDP row (a draft)",
    "incident content type": "ContentType id of incidents.Incident",
    "reset uidb64": "urlsafe base64 of the id of a user who never logs in",
    "reset token": "a valid password-reset token of that user (default_token_generator)",
}


def admin_object(label: str) -> Sample:
    """The quoted primary key of `model.objects.first()` of an admin-registered model, for the
    <path:object_id> of its change, history, delete and redirect URLs."""
    return Sample(f"first {label}")


def outcomes(
    *,
    anonymous: str,
    viewer: str,
    editor: str,
    reviewer: str,
    admin: str,
    partner: str | None = None,
) -> dict[str, str]:
    """One outcome per role; the partner's defaults to the anonymous visitor's (a key opens no
    session pages)."""
    every = {
        ANONYMOUS: anonymous,
        VIEWER: viewer,
        EDITOR: editor,
        REVIEWER: reviewer,
        ADMIN: admin,
        PARTNER: anonymous if partner is None else partner,
    }
    return {role: every[role] for role in ROLES}


def everyone(outcome: str = OK) -> dict[str, str]:
    """The same answer for every role, signed in or not."""
    return outcomes(
        anonymous=outcome, viewer=outcome, editor=outcome, reviewer=outcome, admin=outcome
    )


def signed_in(allowed=(VIEWER, EDITOR, REVIEWER, ADMIN), refused: str = FORBIDDEN):
    """A page behind the login: anonymous visitors go to log in; `allowed` roles get 200, the
    others `refused`."""
    result = {role: OK if role in allowed else refused for role in ROLES}
    result[ANONYMOUS] = TO_LOGIN
    if PARTNER in result:
        result[PARTNER] = TO_LOGIN
    return result


def admin_site(staff: str | Mapping[str, str] = OK) -> dict[str, str]:
    """A page of the admin site: anyone who is not staff is sent to the admin login; staff get
    `staff` (one outcome, or one per staff role)."""
    per_staff = staff if isinstance(staff, Mapping) else dict.fromkeys(STAFF, staff)
    return {role: per_staff[role] if role in STAFF else TO_ADMIN_LOGIN for role in ROLES}


def admin_site_allowed(allowed) -> dict[str, str]:
    """An admin page that staff in `allowed` may see (200) and other staff may not (403)."""
    return admin_site({role: OK if role in allowed else FORBIDDEN for role in STAFF})


# ---------------------------------------------------------------------------------------------
# The admin: one row per registered model, "app_label.model_name": which roles may view, add,
# change and delete it. Django's admin shows a model to whoever may view or change it. The guard
# expands each row into the model's URLs (changelist, add, history, delete, change and the
# <object_id>/ redirect) and the app index pages; entries in URLS may read them (may_see).

EDITING = frozenset({EDITOR, REVIEWER, ADMIN})  # "enter and correct"; reviewer = editor + publish
ADMIN_ONLY = frozenset({ADMIN})
NOBODY = frozenset()


def rights(*, view, add, change, delete) -> dict[str, frozenset[str]]:
    return {
        "view": frozenset(view),
        "add": frozenset(add),
        "change": frozenset(change),
        "delete": frozenset(delete),
    }


# Editors enter and correct the record of an incident; deleting one is for admins ("everything"):
# the README gives editors no delete, and records are attributable and kept in full history.
INCIDENT_RECORD = rights(view=EDITING, add=EDITING, change=EDITING, delete=ADMIN_ONLY)
# Actors and reference data: editors read them (they code incidents with them); admins manage.
ADMIN_MANAGED = rights(view=EDITING, add=ADMIN_ONLY, change=ADMIN_ONLY, delete=ADMIN_ONLY)

ADMIN_MODELS = {
    "incidents.incident": INCIDENT_RECORD,
    "incidents.incidentactor": INCIDENT_RECORD,  # participants
    "incidents.source": INCIDENT_RECORD,
    "incidents.claim": INCIDENT_RECORD,
    "incidents.civilianharmreport": INCIDENT_RECORD,
    "incidents.victim": INCIDENT_RECORD,  # editors see victim names (they type them)
    # README silent. The ACLED and UCDP rows an incident was imported from are part of its record
    # (the incident page shows them): editors, who correct incidents, read them; they are kept as
    # imported so that they export unchanged, so only admins ("everything") write them.
    "incidents.acledevent": ADMIN_MANAGED,
    "incidents.ucdpevent": ADMIN_MANAGED,
    "actors.actor": ADMIN_MANAGED,
    "actors.actoralias": ADMIN_MANAGED,
    "actors.actorrelation": ADMIN_MANAGED,
    "actors.actorpresence": ADMIN_MANAGED,  # where and when an actor is active: actor data
    "incidents.adminarea": ADMIN_MANAGED,
    "incidents.place": ADMIN_MANAGED,
    "incidents.placename": ADMIN_MANAGED,
    # README silent. An area's parts are written by the database from the area's geometry: no one
    # adds, changes or deletes them by hand (that would leave them out of step with the area).
    "incidents.adminareapart": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
    # README silent. The map's summary, kept by the database: read like the incidents it counts,
    # written by no one by hand.
    "incidents.mapcell": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
    # The same for the per-actor summary and the actor groups it is kept for.
    "incidents.actorgroup": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
    "incidents.actorgroupwindow": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
    "incidents.actorsummarystate": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
    "incidents.actorcell": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
    # The API's per-incident summary, kept by the database: the same.
    "incidents.apirecord": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
    # A dataset record is written by the loaders (it holds the file's fingerprint and its
    # attribution); no one writes it by hand. An admin may delete it, which makes the next setup
    # load that file again.
    "incidents.referencedataset": rights(
        view=EDITING, add=NOBODY, change=NOBODY, delete=ADMIN_ONLY
    ),
    # README: admins manage accounts ("everything, including ... accounts"); an account is
    # deactivated, never deleted, because every record keeps who wrote it (created_by is
    # protected): no role deletes users.
    "auth.user": rights(view=ADMIN_ONLY, add=ADMIN_ONLY, change=ADMIN_ONLY, delete=NOBODY),
    # README silent on groups. The groups are the four roles of the README, defined in code and
    # set again after every migrate: an edit in the admin would be lost silently, and would widen
    # a role outside review. A role is given on the user's form. So no role edits or needs them.
    "auth.group": rights(view=NOBODY, add=NOBODY, change=NOBODY, delete=NOBODY),
    # README silent. The history of every change, with who made it: admins read it; no one may
    # add, change or delete an entry of the audit trail.
    "pghistory.middlewareevents": rights(view=ADMIN_ONLY, add=NOBODY, change=NOBODY, delete=NOBODY),
    # README: admins manage accounts; partner organisations and their API keys are the API's
    # accounts. A key is revoked, never deleted (the record of who had access stays), and an
    # organisation is not deleted with its keys' record.
    "incidents.organisation": rights(
        view=ADMIN_ONLY, add=ADMIN_ONLY, change=ADMIN_ONLY, delete=NOBODY
    ),
    "incidents.organisationapikey": rights(
        view=ADMIN_ONLY, add=ADMIN_ONLY, change=ADMIN_ONLY, delete=NOBODY
    ),
    # What a write sent with an Idempotency-Key answered (the answer may hold a draft): admins
    # read it; the write API keeps it and drops it when it expires, no one by hand.
    "incidents.idempotentrequest": rights(
        view=ADMIN_ONLY, add=NOBODY, change=NOBODY, delete=NOBODY
    ),
    # Tombstones of incidents that left the published set, kept by the database: read like the
    # incidents, written by no one by hand.
    "incidents.incidenttombstone": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
    # The workflow log (incidents/models/workflow.py): review comments, retractions, merges and
    # splits, written and undone only by the services; those who edit read it.
    "incidents.reviewcomment": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
    # README: accounts are the admins'. Failed sign-ins (django-axes) are security records:
    # admins read them and lift a lock by deleting the attempt; no one writes them by hand.
    "axes.accessattempt": rights(view=ADMIN_ONLY, add=NOBODY, change=NOBODY, delete=ADMIN_ONLY),
    "axes.accesslog": rights(view=ADMIN_ONLY, add=NOBODY, change=NOBODY, delete=NOBODY),
    "axes.accessfailurelog": rights(view=ADMIN_ONLY, add=NOBODY, change=NOBODY, delete=NOBODY),
    # Ingestion: sources configured by admins; raw reports are evidence (re-run by admins).
    "incidents.ingestsource": ADMIN_MANAGED,
    "incidents.rawreport": rights(view=EDITING, add=NOBODY, change=ADMIN_ONLY, delete=NOBODY),
    # What the review queue's decisions recorded (extractor proposed / editor kept): read by those
    # who review drafts; written only by the review services, never by hand.
    "incidents.extractionfeedback": rights(view=EDITING, add=NOBODY, change=NOBODY, delete=NOBODY),
}


def may_see(label: str) -> frozenset[str]:
    """Roles the admin shows a model to: those who may view or change it."""
    row = ADMIN_MODELS[label]
    return row["view"] | row["change"]


def incident_cases() -> tuple[Case, ...]:
    """A page of one incident (<int:pk>): a published one for every role signed in; viewers read
    published incidents only, so a draft or retracted one does not exist for them (404)."""
    unpublished = signed_in(allowed=EDITING, refused=NOT_FOUND)
    return (
        Case(signed_in(), params={"pk": Sample("published incident")}, label="published"),
        Case(unpublished, params={"pk": Sample("draft incident")}, label="draft"),
        Case(unpublished, params={"pk": Sample("retracted incident")}, label="retracted"),
    )


def api(allowed=(VIEWER, EDITOR, REVIEWER, ADMIN, PARTNER), refused: str = NOT_FOUND):
    """An endpoint of the partner API (/api/v1/): a caller without a key or a session gets 401
    (anonymous reading is off by default, settings.API_ANONYMOUS_READ); partners (by key) and
    signed-in users in `allowed` get 200, the others `refused`."""
    result = {role: OK if role in allowed else refused for role in ROLES}
    result[ANONYMOUS] = UNAUTHORIZED
    return result


def api_incident_cases() -> tuple[Case, ...]:
    """One incident through the API: a published one for every caller; partners and viewers read
    published incidents only, so a draft or retracted one does not exist for them (404)."""
    unpublished = api(allowed=EDITING)
    return (
        Case(api(), params={"pk": Sample("published incident")}, label="published"),
        Case(unpublished, params={"pk": Sample("draft incident")}, label="draft"),
        Case(unpublished, params={"pk": Sample("retracted incident")}, label="retracted"),
    )


# ---------------------------------------------------------------------------------------------
# Every URL pattern that is not one of the expanded admin model URLs, by name ("namespace:name")
# or, for an unnamed pattern, by its full route.

URLS: dict[str, Case | tuple[Case, ...]] = {
    # README: anyone may call it; only staff see details (the body, not the status). The guard
    # answers the health probes as healthy: who may call it is the question here, not whether a
    # worker runs (tests/config/test_healthz.py checks the probes).
    "healthz": Case(everyone(OK)),
    # --- the site's pages (incidents/urls.py). Every role reads (published) incidents.
    "incidents:map": Case(signed_in()),
    "incidents:list": Case(signed_in()),
    # Figures of the incidents the list's filters select: read like the list.
    "incidents:overview": Case(signed_in()),
    # The map's data, for a valid question (a wrong one is a 400, not an access matter).
    "incidents:map-data": Case(signed_in(), query="z=6&bbox=-12,10,4,25"),
    "incidents:map-timeline": Case(signed_in(), query="bucket=month"),
    "incidents:map-areas": Case(signed_in(), query="level=1"),
    "incidents:map-incident": incident_cases(),
    # The incidents at the same point as one (a map group's list): read like that incident.
    "incidents:map-colocated": incident_cases(),
    # The boundaries drawn under the map (viewers read areas): for anyone signed in.
    "incidents:map-boundaries": Case(signed_in(), params={"level": "1"}),
    "incidents:map-basemap": Case(signed_in()),
    "incidents:detail": incident_cases(),
    # Attribution of the data: public.
    "incidents:about": Case(everyone(OK)),
    # --- the editors' pages (incidents/editing.py): the incident form, for those who enter and
    # correct incidents (README: editors, reviewers, admins); any incident, whatever its status.
    "incidents:new": Case(signed_in(allowed=EDITING)),
    "incidents:edit": (
        Case(signed_in(allowed=EDITING), params={"pk": Sample("published incident")}, label="pub"),
        Case(signed_in(allowed=EDITING), params={"pk": Sample("draft incident")}, label="draft"),
    ),
    # The possible duplicates the form shows while an editor works (drafts among them).
    "incidents:duplicates": Case(signed_in(allowed=EDITING), query="date_start=2024-01-01"),
    # The workflow steps are POSTs from the incident page; a GET changes nothing.
    "incidents:submit": Case(everyone(GET_NOT_ALLOWED), params={"pk": Sample("draft incident")}),
    "incidents:publish": Case(everyone(GET_NOT_ALLOWED), params={"pk": Sample("draft incident")}),
    "incidents:send-back": Case(everyone(GET_NOT_ALLOWED), params={"pk": Sample("draft incident")}),
    "incidents:retract": Case(
        everyone(GET_NOT_ALLOWED), params={"pk": Sample("published incident")}
    ),
    # Merge and split (incidents/operations.py): reviewers (README: "a reviewer merges ... and
    # splits"), admins being reviewers too; editors and viewers 403. The pages only choose and
    # confirm; the POSTs do the work.
    "incidents:merge": Case(
        signed_in(allowed=(REVIEWER, ADMIN)), params={"pk": Sample("published incident")}
    ),
    "incidents:split": Case(
        signed_in(allowed=(REVIEWER, ADMIN)), params={"pk": Sample("published incident")}
    ),
    # An admin's undo of a merge or split, and an admin's restore from the history: POST only.
    "incidents:undo": Case(everyone(GET_NOT_ALLOWED), params={"pk": "1"}),
    "incidents:restore": Case(
        everyone(GET_NOT_ALLOWED), params={"pk": Sample("published incident")}
    ),
    # --- the review queue (incidents/review/): README "editors ... review what the workers
    # ingested"; reviewers publish from it. Viewers do not review: 403.
    "review:queue": Case(signed_in(allowed=EDITING)),
    # The decisions are POSTs; a GET changes nothing.
    "review:act": Case(everyone(GET_NOT_ALLOWED)),
    # A raw report's stored bytes: evidence of drafts, read by those who may read raw reports.
    "review:evidence": Case(
        signed_in(allowed=may_see("incidents.rawreport")),
        params={"pk": admin_object("incidents.rawreport")},
    ),
    # --- the actors (actors/urls.py): for every role that reads incidents (the pages count them,
    # published ones only for viewers). A slug of the catalogue (loaded by the guard's fixture);
    # an unknown one is a 404 for everyone signed in.
    "actors:directory": Case(signed_in()),
    "actors:detail": (
        Case(signed_in(), params={"slug": "jnim"}, label="catalogue actor"),
        Case(
            signed_in(allowed=(), refused=NOT_FOUND),
            params={"slug": "no-such-actor"},
            label="unknown",
        ),
    ),
    # The editors' actor form (actors/views.py): editors and above create and edit actors
    # (README: "Actor management for editors"); viewers read only (403).
    "actors:new": Case(signed_in(allowed=EDITING)),
    "actors:edit": (
        Case(signed_in(allowed=EDITING), params={"slug": "jnim"}, label="catalogue actor"),
        Case(
            signed_in(allowed=(), refused=NOT_FOUND) | {VIEWER: FORBIDDEN},
            params={"slug": "no-such-actor"},
            label="unknown",
        ),
    ),
    # --- the partner API (incidents/api/): partners by key, signed-in users by session.
    "api:incident-list": Case(api()),
    "api:incident-detail": api_incident_cases(),
    # Which incidents left the published set (ids, reasons, times): for every API caller.
    "api:deleted": Case(api()),
    # A background download's job and file (incidents/api/exports.py): only its maker (the same
    # organisation or user) finds them; an unknown or foreign token is 404 to every caller.
    # tests/incidents/test_api_exports.py pins the maker's 200s.
    "api:export": Case(api(allowed=()), params={"token": "no-such-export"}),
    "api:export-download": Case(api(allowed=()), params={"token": "no-such-export"}),
    # Figures of the incidents the filters select, and the reference lists the filters take
    # (actors, admin areas): read like the incidents.
    "api:stats": Case(api(), query="group_by=month"),
    "api:actor-list": Case(api()),
    "api:admin-area-list": Case(api(), query="level=1"),
    # Sources and civilian-harm assessments of the incidents each caller sees (personal data
    # only for editors and above; tests/incidents/test_api.py pins what each one gets).
    "api:source-list": Case(api()),
    "api:civilian-harm-list": Case(api()),
    # The geocoder reads the gazetteer (public reference data): every API caller may use it.
    "api:geocode": Case(api(), query="q=Gao"),
    # The ACLED-compatible read API (ACLED's paths, not namespaced): the published incidents and
    # the tombstones, read like api:incident-list and api:deleted.
    "acled-read": Case(api()),
    "acled-deleted-read": Case(api()),
    # The schema and its docs are public: a partner reads them before having a key.
    "api-schema": Case(everyone(OK)),
    "api-docs": Case(everyone(OK)),
    # --- django.contrib.auth (accounts/)
    "login": Case(everyone(OK)),
    "logout": Case(everyone(GET_NOT_ALLOWED)),  # POST only (Django 5)
    "password_change": Case(signed_in()),
    "password_change_done": Case(signed_in()),
    "password_reset": Case(everyone(OK)),
    "password_reset_done": Case(everyone(OK)),
    "password_reset_complete": Case(everyone(OK)),
    # A valid link keeps the token in the session and redirects to the form without it.
    "password_reset_confirm": Case(
        everyone(REDIRECT),
        params={"uidb64": Sample("reset uidb64"), "token": Sample("reset token")},
    ),
    # --- i18n/: a GET changes nothing and goes back (to / here).
    "set_language": Case(everyone(REDIRECT)),
    # --- the admin site's own pages
    "admin:index": Case(admin_site(OK)),
    # Staff who are signed in already go on to the index; others see the form.
    "admin:login": Case(
        outcomes(anonymous=OK, viewer=OK, editor=REDIRECT, reviewer=REDIRECT, admin=REDIRECT)
    ),
    # POST only for staff; others are sent to the admin index (Django's admin_view).
    "admin:logout": Case(
        outcomes(
            anonymous=REDIRECT,
            viewer=REDIRECT,
            editor=GET_NOT_ALLOWED,
            reviewer=GET_NOT_ALLOWED,
            admin=GET_NOT_ALLOWED,
        )
    ),
    "admin:password_change": Case(admin_site(OK)),
    "admin:password_change_done": Case(admin_site(OK)),
    "admin:jsi18n": Case(admin_site(OK)),
    # Searching places for an incident's place field: for those who may see places.
    "admin:autocomplete": Case(
        admin_site_allowed(may_see("incidents.place")),
        query="app_label=incidents&model_name=incident&field_name=place&term=Gao",
    ),
    # No model has get_absolute_url, so there is nowhere to go for staff.
    "admin:view_on_site": Case(
        admin_site(NOT_FOUND),
        params={
            "content_type_id": Sample("incident content type"),
            "object_id": Sample("published incident"),
        },
    ),
    "admin/(?P<url>.*)$": Case(admin_site(NOT_FOUND), params={"url": "no-such-page/"}),
    # Setting another account's password is changing that account.
    "admin:auth_user_password_change": Case(
        admin_site_allowed(ADMIN_MODELS["auth.user"]["change"]),
        params={"id": admin_object("auth.user")},
    ),
    # Issue 16: editors upload the reports and dataset exports they receive, to be ingested like
    # a pasted text (the raw reports stay read only: evidence).
    "admin:incidents_rawreport_upload": Case(admin_site_allowed(EDITING)),
}
