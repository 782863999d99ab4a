"""Template helpers for the actor pages: dates shown as precisely as they are known (a date known
only to the year shows as the year), periods with open ends, countries by name."""

from datetime import date

from django import template
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from actors.models import DatePrecision
from incidents.geo.countries import COUNTRIES

register = template.Library()

FORMATS = {DatePrecision.DAY: "j F Y", DatePrecision.MONTH: "F Y", DatePrecision.YEAR: "Y"}
SHORT_FORMATS = {DatePrecision.DAY: "j N Y", DatePrecision.MONTH: "N Y", DatePrecision.YEAR: "Y"}


@register.filter
def on_precision(day: date | None, precision: str = DatePrecision.DAY) -> str:
    """'2 March 2017', 'March 2017' or '2017', in the page's language; '' for no date."""
    if day is None:
        return ""
    return date_format(day, FORMATS.get(precision, FORMATS[DatePrecision.DAY]))


@register.filter
def on_precision_short(day: date | None, precision: str = DatePrecision.DAY) -> str:
    """'2 Mar 2017', 'Mar 2017' or '2017'."""
    if day is None:
        return ""
    return date_format(day, SHORT_FORMATS.get(precision, SHORT_FORMATS[DatePrecision.DAY]))


@register.simple_tag
def period(start, start_precision, end, end_precision, empty="—", short=False) -> str:
    """A period with its open ends said: 'March 2017 to 2022' (with an en dash), 'since March 2017',
    'until 2013', or `empty` when neither end is known."""
    shown = on_precision_short if short else on_precision
    first, last = shown(start, start_precision), shown(end, end_precision)
    if first and last:
        if first == last:
            return first
        return _("%(start)s – %(end)s") % {"start": first, "end": last}
    if first:
        return _("since %(start)s") % {"start": first}
    if last:
        return _("until %(end)s") % {"end": last}
    return empty


@register.filter
def country_name(code: str) -> str:
    """A country's name in the page's language (its code when the project does not know it)."""
    country = COUNTRIES.get(code)
    if country is None:
        return code
    return country.name_fr if (get_language() or "en").startswith("fr") else country.name_en
