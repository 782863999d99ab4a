"""Template helpers for incident pages: estimates and counts shown so that unknown reads as
unknown, never as zero."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from incidents.models.harm import CATEGORY_LABELS, HARM_CATEGORIES

register = template.Library()

UNKNOWN = "?"


def _n(value) -> str:
    return UNKNOWN if value is None else number_format(value)


@register.filter
def estimate(record, prefix: str) -> str:
    """'low - best - high' (with en dashes) of an estimate, "?" where a bound is unknown, or
    "unknown" when none is known."""
    low, best, high = (getattr(record, f"{prefix}_{b}") for b in ("low", "best", "high"))
    if low is None and best is None and high is None:
        return _("unknown")
    return f"{_n(low)} – {_n(best)} – {_n(high)}"


@register.filter
def count(value) -> str:
    """A count, or "?" when it is not known."""
    return _n(value)


@register.filter
def harm_counts(assessment, outcome: str) -> list[tuple[str, str]]:
    """[(category label, count or "?")] of one outcome of a harm assessment."""
    return [
        (str(CATEGORY_LABELS[c]), _n(getattr(assessment, f"{outcome}_{c}")))
        for c in HARM_CATEGORIES
    ]
