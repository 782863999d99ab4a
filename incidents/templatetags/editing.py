"""The workflow buttons an incident page shows to editors and reviewers (incidents/editing.py
does the steps)."""

from django import template

from incidents.editing import workflow_actions

register = template.Library()


@register.inclusion_tag("incidents/_workflow.html", takes_context=True)
def workflow_panel(context, incident):
    """Edit, submit, publish, send back (with a comment) and retract (with a reason), each only
    where the user's role and the incident's status allow it; and the messages of the last step."""
    request = context["request"]
    actions = workflow_actions(request.user, incident)
    comments = []
    if actions and hasattr(incident, "review_comments"):
        comments = list(incident.review_comments.select_related("author").order_by("-id")[:3])
    return {
        "incident": incident,
        "actions": actions,
        "comments": comments,
        "messages": context.get("messages"),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def restorable_fields(restorable: dict | None, event_id: str) -> list[str]:
    """The fields an admin may restore from one history entry (views.restorable_entries)."""
    return (restorable or {}).get(event_id, [])
