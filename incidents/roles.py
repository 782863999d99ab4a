"""Roles of the security model, as Django groups with their permissions.

- viewer: reads incidents, sources, claims, civilian harm (without personal data), actors, areas.
- editor: a viewer who also enters and corrects incidents, sources, claims and civilian harm,
  creates and edits actors, their aliases and relations (on the site's pages), and sees victim
  names and witness identities (they type them).
- reviewer: an editor who publishes and retracts (never their own entries: a database rule).
- admin: everything, including actors, reference data and accounts (Django superusers too).
  Accounts are deactivated, never deleted: every record keeps who wrote it.
Partner API clients are not users; they get read-only access to published data without personal
data through API keys.

`roles_sync` runs after every migrate, so the groups always match this file.
"""

from django.contrib.auth.models import Group, Permission

VIEWER, EDITOR, REVIEWER, ADMIN = "viewer", "editor", "reviewer", "admin"

_READ_MODELS = {
    "incidents": [
        "incident",
        "incidentactor",
        "source",
        "claim",
        "civilianharmreport",
        "victim",
        "adminarea",
        "place",
        "placename",
        "referencedataset",
        "adminareapart",
        "acledevent",
        "ucdpevent",
        "mapcell",
        "actorgroup",
        "actorgroupwindow",
        "actorsummarystate",
        "actorcell",
        "incidenttombstone",
        "apirecord",
    ],
    "actors": ["actor", "actoralias", "actorrelation", "actorpresence"],
}
_EDIT_MODELS = {
    "incidents": ["incident", "incidentactor", "source", "claim", "civilianharmreport", "victim"],
}
# Editors create and edit actors, their aliases and relations on the site's pages (through
# actors/services.py); the admin's actor pages stay the admins' (actors/admin.py).
_ACTOR_EDIT_MODELS = {"actors": ["actor", "actoralias", "actorrelation"]}
_INGEST_MODELS = {"incidents": ["ingestsource", "rawreport", "extractionfeedback"]}
_ADMIN_MODELS = {
    "incidents": ["adminarea", "place", "placename", "referencedataset", "acledevent", "ucdpevent"],
    "actors": ["actor", "actoralias", "actorrelation", "actorpresence"],
}


def _codenames(models: dict[str, list[str]], actions: list[str]) -> set[tuple[str, str]]:
    return {
        (app, f"{action}_{model}")
        for app, names in models.items()
        for model in names
        for action in actions
    }


def role_permissions() -> dict[str, set[tuple[str, str]]]:
    viewer = _codenames(_READ_MODELS, ["view"])
    editor = (
        viewer
        | _codenames(_EDIT_MODELS, ["add", "change"])
        | _codenames(_ACTOR_EDIT_MODELS, ["add", "change"])
        | {("incidents", "view_personal_data")}
        # Ingestion's sources and raw reports (drafts' evidence): staff only.
        | _codenames(_INGEST_MODELS, ["view"])
        # They upload reports and dataset exports they received (incidents/ingest/uploads.py).
        | {("incidents", "upload_rawreport")}
    )
    # The workflow log (review comments, retractions, merges and splits): read by those who
    # edit; the services write it, no one by hand.
    editor |= _codenames({"incidents": ["reviewcomment"]}, ["view"])
    reviewer = editor | {("incidents", "publish_incident")}
    admin = (
        reviewer
        | _codenames(_EDIT_MODELS, ["delete"])
        | _codenames(_ADMIN_MODELS, ["add", "change", "delete"])
        | {
            ("auth", "view_user"),
            ("auth", "add_user"),
            ("auth", "change_user"),
            ("pghistory", "view_context"),
            ("pghistory", "view_events"),
            # The history admin shows this proxy of the events.
            ("pghistory", "view_middlewareevents"),
            # Partner organisations and their API keys are accounts too: admins make them and
            # revoke keys; nothing is deleted (a revoked key stays on record).
            ("incidents", "view_organisation"),
            ("incidents", "add_organisation"),
            ("incidents", "change_organisation"),
            ("incidents", "view_organisationapikey"),
            ("incidents", "add_organisationapikey"),
            ("incidents", "change_organisationapikey"),
            # What a write sent with an Idempotency-Key answered: read only.
            ("incidents", "view_idempotentrequest"),
            # Sign-in throttling (django-axes): admins read the attempts and lift a lock by
            # deleting its attempt row; the logs are read only.
            ("axes", "view_accessattempt"),
            ("axes", "delete_accessattempt"),
            ("axes", "view_accesslog"),
            ("axes", "view_accessfailurelog"),
            # Ingestion: admins configure the sources and re-run failed reports; reports are
            # evidence, never added or deleted by hand.
            ("incidents", "add_ingestsource"),
            ("incidents", "change_ingestsource"),
            ("incidents", "delete_ingestsource"),
            ("incidents", "change_rawreport"),
        }
    )
    return {VIEWER: viewer, EDITOR: editor, REVIEWER: reviewer, ADMIN: admin}


def roles_sync(**kwargs) -> None:
    """Creates the role groups and sets exactly their permissions (idempotent)."""
    for role, wanted in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        group.permissions.set(perms)
