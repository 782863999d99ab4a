"""The overview's charts as SVG geometry, built on the server (no charting library, nothing
fetched): bars per month, stacked by series, with their axis ticks, legend, accessible text and
the numbers for a table. The template (incidents/_bar_chart.html) draws them; every label goes
through its auto-escaping. Coordinates are strings written here ("12.5"), so that a French page
does not localise them into "12,5".

The drawing is made for a phone first: a viewBox 340 units wide, drawn at the width of its box
(100%), so a 390-pixel screen shows the text at its size, and a wide screen (three charts in a
row) a little larger.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.template.defaultfilters import date as date_format
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.taxonomy import EVENT_TYPE_COLOURS, EventType

WIDTH, HEIGHT = 340, 220
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 24, 42  # margins around the plot, in viewBox units
DIGIT_WIDTH = 7  # room for one character of a tick's number (12-unit text), left of the plot
TICK_WIDTH = 34  # what a month's short name ("sept.") needs below its bar
MONTH_STEPS = (1, 2, 3, 4, 6, 12)  # name every n-th month


def _u(value: float) -> str:
    """A coordinate for SVG: never localised, one decimal at most."""
    return f"{value:.1f}".removesuffix(".0")


def count_text(value: int | float) -> str:
    """A count as the page's language writes it (1,234 / 1 234)."""
    return number_format(value, force_grouping=True)


@dataclass(frozen=True)
class Series:
    """One layer of the stacked bars: its key, its label in the legend, its colour and its value
    for every month."""

    key: str
    label: str
    colour: str
    values: Sequence[int]


@dataclass(frozen=True)
class Segment:
    x: str
    y: str
    width: str
    height: str
    colour: str
    series: str


@dataclass(frozen=True)
class BarGroup:
    key: str  # the month, "2025-01"
    label: str  # "janv. 2025"
    title: str  # the month's figures, shown on hover
    segments: list[Segment]
    centre: str
    tick: str  # the month's short name when labelled, else ""
    year: str  # the year under its first month shown and under January, else ""


@dataclass(frozen=True)
class Tick:
    y: str
    label: str


@dataclass(frozen=True)
class LegendItem:
    colour: str
    label: str


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str  # what the chart says, in words (for screen readers)
    y_label: str
    x_label: str
    groups: list[BarGroup]
    ticks: list[Tick]
    legend: list[LegendItem]
    columns: list[str]  # the table: headers, then one row per month
    rows: list[list[str]]
    empty: str  # what the plot says when it has no bar, else ""
    left: str  # the plot's left edge: room for the longest number of the axis
    middle: str
    width: int = WIDTH
    height: int = HEIGHT
    right: str = _u(WIDTH - RIGHT)
    top: str = _u(TOP)
    bottom: str = _u(HEIGHT - BOTTOM)
    centre_y: str = _u((TOP + HEIGHT - BOTTOM) / 2)
    tick_y: str = _u(HEIGHT - BOTTOM + 14)
    year_y: str = _u(HEIGHT - BOTTOM + 27)
    x_label_y: str = _u(HEIGHT - 1)
    y_label_y: str = _u(TOP - 10)


def nice_ticks(maximum: int, count: int = 4) -> list[int]:
    """Round tick values from 0 to at least `maximum` (whole numbers), about `count` steps."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(1, math.ceil(step))
    top = step * math.ceil(maximum / step)
    return list(range(0, top + 1, step))


def month_label(month: date) -> str:
    """ "Jan. 2025" / "janv. 2025": Django's format of the page's language."""
    return date_format(month, "N Y")


def stacked_bars(
    chart_id: str,
    *,
    title: str,
    y_label: str,
    months: Sequence[date],
    series: Sequence[Series],
    extra_columns: Sequence[tuple[str, Sequence[int]]] = (),
    unknown: int = 0,
) -> BarChart:
    """Bars per month stacked by `series` (bottom first), one group per month, with the numbers
    as a table (a column per series, the total when there are several, then `extra_columns`).
    `unknown`: the incidents whose figure is not known, said when no bar is drawn."""
    totals = [sum(s.values[i] for s in series) for i in range(len(months))]
    ticks = nice_ticks(max(totals, default=0))
    tick_labels = [count_text(value) for value in ticks]
    left = max(LEFT, 8 + DIGIT_WIDTH * max(len(label) for label in tick_labels))
    plot_width, plot_height = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    scale = plot_height / ticks[-1]
    slot = plot_width / max(1, len(months))
    bar = slot * 0.78
    needed = math.ceil(TICK_WIDTH / slot)
    month_step = next((s for s in MONTH_STEPS if s >= needed), None)
    year_step = 1 if month_step else math.ceil(TICK_WIDTH / (slot * 12))
    groups = []
    named_year = None  # the year of the last month named
    for i, month in enumerate(months):
        x = left + i * slot + (slot - bar) / 2
        y = HEIGHT - BOTTOM
        segments = []
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            height = value * scale
            y -= height
            segments.append(Segment(_u(x), _u(y), _u(bar), _u(height), s.colour, s.label))
        lines = [month_label(month)]
        if len(series) > 1:
            lines.append(_("in all: %(n)s") % {"n": count_text(totals[i])})
        lines += [f"{s.label}: {count_text(s.values[i])}" for s in series if s.values[i]]
        if month_step:  # short month names counted from the last month (always named), and
            # the year under the first one named in each year
            labelled = (len(months) - 1 - i) % month_step == 0
            tick = date_format(month, "N") if labelled else ""
            year = date_format(month, "Y") if labelled and month.year != named_year else ""
            named_year = month.year if labelled else named_year
        else:  # too many months for their names: the years alone
            tick = ""
            labelled = month.month == 1 and month.year % year_step == 0
            year = date_format(month, "Y") if labelled else ""
        groups.append(
            BarGroup(
                key=month.strftime("%Y-%m"),
                label=month_label(month),
                title="\n".join(lines),
                segments=segments,
                centre=_u(left + i * slot + slot / 2),
                tick=tick,
                year=year,
            )
        )
    grand_total = sum(totals)
    if grand_total:
        busiest = max(range(len(months)), key=lambda i: totals[i])
        description = _(
            "%(title)s, %(first)s to %(last)s: %(total)s in all; the most in %(month)s (%(most)s)."
        ) % {
            "title": title,
            "first": month_label(months[0]),
            "last": month_label(months[-1]),
            "total": count_text(grand_total),
            "month": month_label(months[busiest]),
            "most": count_text(totals[busiest]),
        }
    else:
        description = _("%(title)s, %(first)s to %(last)s: none.") % {
            "title": title,
            "first": month_label(months[0]),
            "last": month_label(months[-1]),
        }
    columns = [_("Month"), *(s.label for s in series)]
    if len(series) > 1:
        columns.append(_("In all"))
    columns += [header for header, _values in extra_columns]
    rows = []
    for i, month in enumerate(months):
        row = [month_label(month), *(count_text(s.values[i]) for s in series)]
        if len(series) > 1:
            row.append(count_text(totals[i]))
        row += [count_text(values[i]) for _header, values in extra_columns]
        rows.append(row)
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        y_label=y_label,
        x_label=_("month (of the start date)"),
        groups=groups,
        ticks=[
            Tick(_u(HEIGHT - BOTTOM - value * scale), label)
            for value, label in zip(ticks, tick_labels, strict=True)
        ],
        legend=[LegendItem(s.colour, s.label) for s in series],
        columns=columns,
        rows=rows,
        empty=""
        if grand_total
        else ngettext("No estimate for %(n)s incident", "No estimate for %(n)s incidents", unknown)
        % {"n": count_text(unknown)}
        if unknown
        else _("None in this period"),
        left=_u(left),
        middle=_u((left + WIDTH - RIGHT) / 2),
    )


@dataclass(frozen=True)
class Bar:
    """A small horizontal bar beside a number in a table: its length in % of the longest."""

    width: str


def bar(value: float, longest: float) -> Bar:
    return Bar(_u(100 * abs(value) / longest) if longest else "0")


def with_bars(items: Sequence, attribute: str) -> list[tuple[object, Bar]]:
    """Each item with a bar for its `attribute`, scaled to the largest (in absolute value)."""
    longest = max((abs(getattr(item, attribute)) for item in items), default=0)
    return [(item, bar(getattr(item, attribute), longest)) for item in items]


# The civilian fatalities are one series: drawn in the site's accent, not in an event type's
# colour (civilians are killed in every type of event).
CIVILIANS_COLOUR = "#8a3b12"


def monthly_charts(months: Sequence) -> list[BarChart]:
    """The overview's three charts from its MonthFigures (incidents/overview.py): incidents and
    fatalities per month stacked by event type (in the map's colours), civilians killed."""
    dates = [m.month for m in months]

    def by_type(attribute: str) -> list[Series]:
        return [
            Series(
                event_type.value,
                str(event_type.label),
                EVENT_TYPE_COLOURS[event_type],
                [getattr(m, attribute)[event_type.value] for m in months],
            )
            for event_type in EventType
        ]

    return [
        stacked_bars(
            "chart-incidents",
            title=_("Incidents per month, by event type"),
            y_label=_("incidents"),
            months=dates,
            series=by_type("incidents"),
        ),
        stacked_bars(
            "chart-fatalities",
            title=_("Fatalities per month, by event type"),
            y_label=_("killed (best estimates)"),
            months=dates,
            series=by_type("fatalities"),
            extra_columns=[
                (_("incidents with no estimate"), [m.fatalities_unknown for m in months])
            ],
            unknown=sum(m.fatalities_unknown for m in months),
        ),
        stacked_bars(
            "chart-civilians",
            title=_("Civilians killed per month"),
            y_label=_("civilians killed (best estimates)"),
            months=dates,
            series=[
                Series(
                    "civilians",
                    _("civilians killed"),
                    CIVILIANS_COLOUR,
                    [m.civilians_killed for m in months],
                )
            ],
            extra_columns=[
                (_("incidents with no estimate"), [m.civilians_unknown for m in months])
            ],
            unknown=sum(m.civilians_unknown for m in months),
        ),
    ]
