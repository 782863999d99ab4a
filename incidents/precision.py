"""Precision of an incident's date and place in both conventions, and the crosswalk between them.

ACLED codes three levels of each (`time_precision`, `geo_precision`); UCDP GED codes five of the
date (`date_prec`) and seven of the place (`where_prec`). An incident stores ACLED's codes, always
(required on entry: no default claims the highest), and UCDP's as given when it has them (an
import from UCDP GED, or an editor who knows); the crosswalk fills in the other convention on
export, never claiming more precision than was given. docs/precision.md has the tables.

The date range an incident carries must agree with its precision: a range of one day is precision
"day", a week-long range is not "day", and so on (DATE_RANGE_WIDTHS below, checked by the
database).
"""

from django.db import models
from django.db.models import F, Func, Q
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _


class TimePrecision(models.IntegerChoices):
    """ACLED's time_precision."""

    DAY = 1, _("day: the actual date is known")
    WEEK = 2, _("week: the sources give a week or a similar period")
    MONTH = 3, _("month or more: only the month, or a longer period, is known")


class GeoPrecision(models.IntegerChoices):
    """ACLED's geo_precision."""

    EXACT = 1, _("exact place")
    NEAR = 2, _("near a place, or along a road between places")
    ADMIN_AREA = 3, _("admin-area centroid or capital (only the area is known)")


class UcdpDatePrecision(models.IntegerChoices):
    """UCDP GED's date_prec."""

    EXACT = 1, _("exact date")
    DAYS = 2, _("a span of 2 to 6 days")
    WEEK = 3, _("only the week is known")
    MONTH = 4, _("only the month is known")
    YEAR = 5, _("only the year is known")


class UcdpWherePrecision(models.IntegerChoices):
    """UCDP GED's where_prec."""

    EXACT = 1, _("exact location")
    NEAR = 2, _("within about 25 km of a known point")
    ADMIN2 = 3, _("admin2 area (centroid used)")
    ADMIN1 = 4, _("admin1 area (centroid used)")
    REGION = 5, _("larger than admin1, between places, or along a line (road, river)")
    COUNTRY = 6, _("country (centroid used)")
    WATERS = 7, _("international waters or airspace")


# How wide (end - start, in days) a date range may be at each precision. ACLED's "month" is its
# coarsest code, so it also covers longer ranges (UCDP's date_prec says how long).
DATE_RANGE_WIDTHS: dict[str, dict[int, tuple[int, int | None]]] = {
    "time_precision": {
        TimePrecision.DAY: (0, 0),
        TimePrecision.WEEK: (1, 13),
        TimePrecision.MONTH: (7, None),
    },
    "ucdp_date_prec": {
        UcdpDatePrecision.EXACT: (0, 0),
        UcdpDatePrecision.DAYS: (1, 5),
        UcdpDatePrecision.WEEK: (1, 7),
        UcdpDatePrecision.MONTH: (1, 30),
        UcdpDatePrecision.YEAR: (1, 365),
    },
}


class DaysBetween(Func):
    """end - start, in days (PostgreSQL's date subtraction)."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = models.IntegerField()


def date_range_agrees_with(field: str, start: str = "date_start", end: str = "date_end") -> Q:
    """A CHECK condition: the range [start, end] is as wide as `field`'s precision allows (a
    NULL precision, UCDP's when not given, passes)."""
    width = DaysBetween(F(end), F(start))
    condition = Q(**{f"{field}__isnull": True})
    for code, (low, high) in DATE_RANGE_WIDTHS[field].items():
        band = Q(**{field: code}) & GreaterThanOrEqual(width, low)
        if high is not None:
            band &= LessThanOrEqual(width, high)
        condition |= band
    return condition


def time_precision_for(days: int) -> TimePrecision:
    """ACLED's precision for a range `days` wide (end - start): the finest that allows it."""
    for code in (TimePrecision.DAY, TimePrecision.WEEK, TimePrecision.MONTH):
        low, high = DATE_RANGE_WIDTHS["time_precision"][code]
        if low <= days and (high is None or days <= high):
            return code
    raise ValueError(f"a date range cannot be {days} days wide")


def ucdp_date_prec_for(days: int) -> UcdpDatePrecision | None:
    """UCDP's date_prec for a range `days` wide, or None when it is wider than a year."""
    for code in UcdpDatePrecision:
        low, high = DATE_RANGE_WIDTHS["ucdp_date_prec"][code]
        if low <= days <= high:
            return code
    return None


# The crosswalk, each way. UCDP's finer codes map to ACLED's nearest code that claims no more
# precision; ACLED's codes map to the UCDP code that claims no more than ACLED said.
UCDP_WHERE_TO_ACLED_GEO = {
    UcdpWherePrecision.EXACT: GeoPrecision.EXACT,
    UcdpWherePrecision.NEAR: GeoPrecision.NEAR,
    UcdpWherePrecision.ADMIN2: GeoPrecision.ADMIN_AREA,
    UcdpWherePrecision.ADMIN1: GeoPrecision.ADMIN_AREA,
    UcdpWherePrecision.REGION: GeoPrecision.ADMIN_AREA,
    UcdpWherePrecision.COUNTRY: GeoPrecision.ADMIN_AREA,
    UcdpWherePrecision.WATERS: GeoPrecision.ADMIN_AREA,
}
ACLED_GEO_TO_UCDP_WHERE = {
    GeoPrecision.EXACT: UcdpWherePrecision.EXACT,
    GeoPrecision.NEAR: UcdpWherePrecision.NEAR,
    # "Larger region": at best an admin1 area; ACLED does not say admin2.
    GeoPrecision.ADMIN_AREA: UcdpWherePrecision.ADMIN1,
}
UCDP_DATE_TO_ACLED_TIME = {
    UcdpDatePrecision.EXACT: TimePrecision.DAY,
    UcdpDatePrecision.DAYS: TimePrecision.WEEK,
    UcdpDatePrecision.WEEK: TimePrecision.WEEK,
    UcdpDatePrecision.MONTH: TimePrecision.MONTH,
    UcdpDatePrecision.YEAR: TimePrecision.MONTH,
}


def acled_geo_precision(ucdp_where_prec: int) -> GeoPrecision:
    return UCDP_WHERE_TO_ACLED_GEO[UcdpWherePrecision(ucdp_where_prec)]


def ucdp_where_prec(acled_geo_precision: int) -> UcdpWherePrecision:
    return ACLED_GEO_TO_UCDP_WHERE[GeoPrecision(acled_geo_precision)]


def acled_time_precision(ucdp_date_prec: int) -> TimePrecision:
    return UCDP_DATE_TO_ACLED_TIME[UcdpDatePrecision(ucdp_date_prec)]


def ucdp_date_prec(acled_time_precision: int, days: int) -> UcdpDatePrecision | None:
    """UCDP's code for an ACLED-coded range: read from the range's width (ACLED's code says
    less), and never finer than ACLED's code allows."""
    code = ucdp_date_prec_for(days)
    if code is None:
        return None
    floor = {
        TimePrecision.DAY: UcdpDatePrecision.EXACT,
        TimePrecision.WEEK: UcdpDatePrecision.DAYS,
        TimePrecision.MONTH: UcdpDatePrecision.MONTH,
    }[TimePrecision(acled_time_precision)]
    return max(code, floor)
