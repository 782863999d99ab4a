"""Rules a CHECK constraint cannot state (they depend on today's date or on the boundaries),
checked by the models' clean() so that every write through services.record_save (forms, the
admin, the API, workers) enforces them, each error on the field it concerns."""

from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from incidents.geo.countries import COUNTRIES


def country_name(code: str) -> str:
    country = COUNTRIES.get(code)
    if country is None:
        return code
    return country.name_fr if (get_language() or "en").startswith("fr") else country.name_en


def country_at(point) -> str | None:
    """The country the admin-area boundaries put a point in (None outside every country)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT country_code FROM incidents_admin_areas_at(ST_GeomFromEWKT(%s))",
            [point.ewkt if point.srid else f"SRID=4326;{point.wkt}"],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] else None


def future_date_errors(obj, fields: tuple[str, ...]) -> dict[str, str]:
    today = timezone.localdate()
    return {
        name: _("This date is in the future (today is %(today)s).") % {"today": today.isoformat()}
        for name in fields
        if getattr(obj, name, None) is not None and getattr(obj, name) > today
    }


def incident_errors(incident) -> dict[str, str]:
    """No start or end date after today; the point inside the country the incident is coded in
    (its `country_code`, as the form chose it), else an error naming the country it falls in."""
    errors = future_date_errors(incident, ("date_start", "date_end"))
    if incident.location is not None and incident.country_code:
        found = country_at(incident.location)
        if found is not None and found != incident.country_code:
            errors["location"] = _(
                "This point lies in %(found)s, not in %(chosen)s: check the coordinates or the "
                "country."
            ) % {"found": country_name(found), "chosen": country_name(incident.country_code)}
    return errors
