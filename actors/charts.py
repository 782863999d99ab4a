"""The geometry of the charts on an actor's page, drawn by the server as inline SVG: the
relations over time (a bar per relation on a shared time axis, each bar under its label, which
is HTML so that it wraps on a phone) and the incidents and fatalities per month. Horizontal
positions are percentages of the chart's width and vertical ones pixels, so that a chart fills a
phone's screen or a desktop's without its text shrinking. The templates
(actors/templates/actors/_*.html) write the SVG and its text; nothing here is text."""

from dataclasses import dataclass
from datetime import date, timedelta

from actors.models import Actor, ActorRelation, DatePrecision

# A relation's bar (its label is HTML above it, so that it wraps on a phone), and the axis.
BAR_HEIGHT = 12
ROW_HEIGHT = BAR_HEIGHT + 6
AXIS_HEIGHT = 18
MAX_TICKS = 8
MIN_BAR_WIDTH = 0.6  # percent: a relation of a day is still seen

# The month chart: incidents upwards from a baseline, fatalities hanging below it.
INCIDENTS_TOP, INCIDENTS_HEIGHT = 18, 96
FATALITIES_TOP, FATALITIES_HEIGHT = 136, 64
MONTH_AXIS_TOP = FATALITIES_TOP + FATALITIES_HEIGHT + 4


@dataclass(frozen=True)
class Span:
    """A piece of a bar: from `x` to `x + width`, in percent of the chart's width."""

    x: float
    width: float

    @property
    def end(self) -> float:
        return round(self.x + self.width, 3)


@dataclass(frozen=True)
class Tick:
    x: float
    year: int

    @property
    def anchor(self) -> str:
        """How its label hangs on it: not past the chart's edges."""
        return "start" if self.x < 3 else "end" if self.x > 97 else "middle"


@dataclass(frozen=True)
class TimelineRow:
    """One relation. `bar` spans what is known of it; `vague_start` and `vague_end` are the
    month or year a date is known only to; an unknown start runs from the axis start, faded
    (`open_start`); a relation without an end runs to today, with an arrow (`open_end`)."""

    relation: ActorRelation
    other: Actor
    outgoing: bool
    bar: Span
    vague_start: Span | None
    vague_end: Span | None
    open_start: bool
    open_end: bool


@dataclass(frozen=True)
class Timeline:
    rows: list[TimelineRow]
    ticks: list[Tick]
    today: float
    bar_top: int = (ROW_HEIGHT - BAR_HEIGHT) // 2
    bar_height: int = BAR_HEIGHT
    row_height: int = ROW_HEIGHT
    axis_height: int = AXIS_HEIGHT

    @property
    def arrow_y(self) -> int:
        return self.bar_top + BAR_HEIGHT // 2


def _period_end(day: date, precision: str) -> date:
    """The last day of the month or year a date stands for (the day itself at day precision)."""
    if precision == DatePrecision.YEAR:
        return date(day.year, 12, 31)
    if precision == DatePrecision.MONTH:
        following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return day


def _period_start(day: date, precision: str) -> date:
    if precision == DatePrecision.YEAR:
        return date(day.year, 1, 1)
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    return day


def _ticks(first_year: int, last_year: int, x) -> list[Tick]:
    """Year ticks (1 January), at most MAX_TICKS, every 1, 2, 5, 10 or 20 years."""
    span = last_year - first_year + 1
    step = next((s for s in (1, 2, 5, 10, 20) if span / s <= MAX_TICKS), 50)
    start = first_year + (-first_year) % step
    return [Tick(x(date(year, 1, 1)), year) for year in range(start, last_year + 1, step)]


def relation_timeline(
    actor: Actor, relations: list[ActorRelation], today: date | None = None
) -> Timeline:
    """A row per relation of `actor` (in the order given) on a time axis of whole years, from
    the earliest known date (of the relations and of the actor's own period) to this year."""
    today = today or date.today()
    known = [d for r in relations for d in (r.start_date, r.end_date) if d is not None]
    known += [d for d in (actor.active_from, actor.active_until) if d is not None]
    first_year = min((d.year for d in known), default=today.year - 10)
    last_year = max([today.year, *(d.year for d in known)])
    axis_start, axis_end = date(first_year, 1, 1), date(last_year + 1, 1, 1)
    days = (axis_end - axis_start).days

    def x(day: date) -> float:
        return round(100 * (day - axis_start).days / days, 3)

    def span(start: date, end: date) -> Span:
        left, right = x(start), x(end + timedelta(days=1))
        return Span(left, max(round(right - left, 3), MIN_BAR_WIDTH))

    rows = []
    for r in relations:
        start = r.start_date or axis_start
        end = r.end_date or min(today, axis_end - timedelta(days=1))
        end = max(end, start)
        vague_start = vague_end = None
        if r.start_date and r.start_precision != DatePrecision.DAY:
            vague_start = span(start, min(_period_end(start, r.start_precision), end))
        if r.end_date and r.end_precision != DatePrecision.DAY:
            vague_end = span(max(_period_start(end, r.end_precision), start), end)
        outgoing = r.source_id == actor.pk
        rows.append(
            TimelineRow(
                relation=r,
                other=r.target if outgoing else r.source,
                outgoing=outgoing,
                bar=span(start, end),
                vague_start=vague_start,
                vague_end=vague_end,
                open_start=r.start_date is None,
                open_end=r.end_date is None,
            )
        )
    return Timeline(
        rows=rows,
        ticks=_ticks(first_year, last_year, x),
        today=x(today),
    )


@dataclass(frozen=True)
class MonthBar:
    month: date
    incidents: int
    fatalities: int
    x: float
    width: float
    incidents_height: float
    fatalities_height: float

    @property
    def incidents_y(self) -> float:
        return round(INCIDENTS_TOP + INCIDENTS_HEIGHT - self.incidents_height, 2)


@dataclass(frozen=True)
class MonthChart:
    bars: list[MonthBar]
    ticks: list[Tick]
    most_incidents: int
    most_fatalities: int
    incidents_top: int = INCIDENTS_TOP
    baseline: int = INCIDENTS_TOP + INCIDENTS_HEIGHT
    fatalities_top: int = FATALITIES_TOP
    axis_y: int = MONTH_AXIS_TOP
    height: int = MONTH_AXIS_TOP + 20


def month_chart(months: list[tuple[date, int, int]]) -> MonthChart | None:
    """Bars of incidents (up) and fatalities (down) per month, each scaled to its largest
    month; None when there are no months."""
    if not months:
        return None
    most_incidents = max(n for _, n, _ in months) or 1
    most_fatalities = max(f for _, _, f in months) or 1
    slot = 100 / len(months)
    width = slot * (0.8 if len(months) <= 60 else 1.0)
    bars = [
        MonthBar(
            month=month,
            incidents=n,
            fatalities=f,
            x=round(i * slot, 3),
            width=round(width, 3),
            incidents_height=round(INCIDENTS_HEIGHT * n / most_incidents, 2),
            fatalities_height=round(FATALITIES_HEIGHT * f / most_fatalities, 2),
        )
        for i, (month, n, f) in enumerate(months)
    ]
    first, last = months[0][0], months[-1][0]
    index = {(b.month.year, b.month.month): b.x for b in bars}
    ticks = [
        tick
        for tick in _ticks(first.year, last.year, lambda day: index.get((day.year, 1), -1))
        if tick.x >= 0
    ]
    return MonthChart(
        bars=bars,
        ticks=ticks,
        most_incidents=max(n for _, n, _ in months),
        most_fatalities=max(f for _, _, f in months),
    )
