"""A report's text with what the extractor read in it marked: places, actors, dates, casualty
figures, who gave them, and the event-type cue, each a <mark> with a class of its kind and a
title saying what was read, inside the passage the event was read from.

Built safely: every piece of the report's text is escaped, and the tags are inserted between
pieces by the spans' offsets (incidents/ingest/extract.py: characters [start, end) of the report,
`text` exactly report[start:end]). A span that does not fit the text (out of range, or its text
differs) is left out rather than guessed; overlapping spans keep the one of the first kind in
KINDS."""

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

# The extractor's codes for casualty figures (incidents/ingest/extract.py), as editors read them.
CASUALTY_KINDS = {
    "killed": pgettext_lazy("people", "killed"),
    "injured": pgettext_lazy("people", "injured"),
    "abducted": pgettext_lazy("people", "abducted"),
}
CASUALTY_CATEGORIES = {
    "civilians": gettext_lazy("civilians"),
    "children": gettext_lazy("children"),
    "state_forces": gettext_lazy("state forces"),
    "armed_group": gettext_lazy("armed group"),
    "unknown": gettext_lazy("status unknown"),
}


def casualty_labels(item: dict) -> tuple[str, str]:
    """The kind and the category of a casualty figure, in words."""
    kind, category = item.get("kind", ""), item.get("category", "")
    return str(CASUALTY_KINDS.get(kind, kind)), str(CASUALTY_CATEGORIES.get(category, category))


# In order of precedence when two spans overlap.
KINDS = ("place", "actor", "casualty", "date", "type", "source")


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    kind: str
    title: str
    text: str = ""  # what the extractor read there; a mark whose text differs is left out


def _span(value) -> tuple[int, int, str] | None:
    if not isinstance(value, dict):
        return None
    try:
        return int(value["start"]), int(value["end"]), str(value.get("text") or "")
    except (KeyError, TypeError, ValueError):
        return None


def _place_title(mention: dict, geocoded: dict | None) -> str:
    title = _("place: %(name)s") % {"name": mention.get("name", "")}
    if geocoded and geocoded.get("found"):
        title += " → {name} ({lat:.4f}, {lon:.4f}), {precision} {value}".format(
            name=geocoded.get("place_name") or geocoded.get("expression", ""),
            lat=geocoded.get("lat") or 0,
            lon=geocoded.get("lon") or 0,
            precision=_("precision"),
            value=geocoded.get("geo_precision"),
        )
    elif geocoded is not None:
        title += " · " + _("not found")
    return title


def casualty_figures(item: dict) -> str:
    """A figure as its range: "12+" for "at least twelve" (no upper bound), "5-7" with the best
    guess in brackets when it is neither end ("about six": "5-7 (6)"), "8" when exact."""
    low, best, high = (item.get(k) for k in ("low", "best", "high"))
    low = best if low is None else low
    if low is None:
        return ""
    if high is None:
        text = f"{low}+"
    elif high == low:
        text = str(low)
    else:
        text = f"{low}–{high}"
    if best is not None and best not in (low, high):
        text += f" ({best})"
    return text


def _casualty_title(item: dict) -> str:
    figures = casualty_figures(item)
    kind, category = casualty_labels(item)
    return _("%(kind)s, %(category)s: %(figures)s") % {
        "kind": kind,
        "category": category,
        "figures": figures or "?",
    }


def event_marks(event: dict, geo: dict | None = None) -> list[Mark]:
    """The marks of one extracted event (incidents/ingest/extract.py's ExtractedEvent as JSON),
    with the geocoding of its places (pipeline.geocode_events) in the places' titles."""
    marks: list[Mark] = []
    geocoded = (geo or {}).get("places", [])

    def add(value, kind: str, title: str) -> None:
        span = _span(value)
        if span is not None:
            marks.append(Mark(span[0], span[1], kind, title, span[2]))

    for index, mention in enumerate(event.get("places", [])):
        place = geocoded[index] if index < len(geocoded) else None
        add(mention.get("span"), "place", _place_title(mention, place))
    for mention in event.get("actors", []):
        add(
            mention.get("span"),
            "actor",
            _("actor: %(name)s") % {"name": mention.get("name") or mention.get("alias", "")},
        )
    for mention in event.get("dates", []):
        start, end = mention.get("start"), mention.get("end")
        add(
            mention.get("span"),
            "date",
            _("date: %(start)s") % {"start": start} + (f" – {end}" if end and end != start else ""),
        )
    for item in event.get("casualties", []):
        add(item.get("span"), "casualty", _casualty_title(item))
        if item.get("attribution_span"):
            add(
                item["attribution_span"],
                "source",
                _("according to: %(who)s") % {"who": item.get("attributed_to", "")},
            )
    if event.get("event_type_span"):
        add(
            event["event_type_span"],
            "type",
            _("event type: %(type)s")
            % {"type": event.get("sub_event_type") or event.get("event_type")},
        )
    return marks


def marks_chosen(text: str, marks: list[Mark]) -> list[Mark]:
    """The marks that fit the text, without overlaps (the first kind of KINDS wins, then the
    longer, then the earlier), in the order of the text."""
    fitting = [
        m
        for m in marks
        if 0 <= m.start < m.end <= len(text)
        and m.kind in KINDS
        and (not m.text or text[m.start : m.end] == m.text)
    ]
    ranked = sorted(fitting, key=lambda m: (KINDS.index(m.kind), m.start - m.end, m.start))
    chosen: list[Mark] = []
    for mark in ranked:
        if all(mark.end <= c.start or c.end <= mark.start for c in chosen):
            chosen.append(mark)
    return sorted(chosen, key=lambda m: m.start)


def text_marked(text: str, marks: list[Mark], passage: tuple[int, int] | None = None) -> SafeString:
    """The text, escaped, with the marks and the event's passage (a <span class="passage">)
    inserted at their offsets. A mark crossing the passage's edge is left out."""
    chosen = marks_chosen(text, marks)
    if passage is not None:
        start, end = max(0, passage[0]), min(len(text), passage[1])
        if start < end:
            chosen = [
                m
                for m in chosen
                if m.end <= start or end <= m.start or (start <= m.start and m.end <= end)
            ]
            passage = (start, end)
        else:
            passage = None
    # (offset, order at the same offset, tag): closing before opening; the passage outside marks.
    cuts: list[tuple[int, int, str]] = []
    for mark in chosen:
        cuts.append(
            (
                mark.start,
                3,
                format_html(
                    '<mark class="hl hl-{}" data-kind="{}" title="{}">',
                    mark.kind,
                    mark.kind,
                    mark.title,
                ),
            )
        )
        cuts.append((mark.end, 0, "</mark>"))
    if passage is not None:
        cuts.append((passage[0], 2, '<span class="passage">'))
        cuts.append((passage[1], 1, "</span>"))
    pieces: list[str] = []
    position = 0
    for offset, _order, tag in sorted(cuts, key=lambda c: (c[0], c[1])):
        pieces.append(escape(text[position:offset]))
        pieces.append(tag)
        position = offset
    pieces.append(escape(text[position:]))
    # Every piece is escaped text or a tag built here: the whole is safe.
    return mark_safe("".join(pieces))  # noqa: S308
