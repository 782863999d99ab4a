"""A task goes through real Redis to a real Celery worker process that writes to the database."""

import pytest

from incidents import tasks
from incidents.models import AdminArea, Incident
from tests.factories import AdminAreaFactory, IncidentFactory, square

pytestmark = pytest.mark.celery_worker


@pytest.mark.django_db(transaction=True)
def test_rederive_task_runs_in_the_worker_and_updates_incidents(celery_worker):
    # Far from the Sahel: the session's built-in areas may still be in the database.
    country = AdminAreaFactory(
        level=0, country_code="ZZ", code="ZZ", geom=square(-32, -20, -16, -5)
    )
    west = AdminAreaFactory(
        country_code="ZZ", code="ZZ-W", parent=country, geom=square(-32, -20, -24, -5)
    )
    east = AdminAreaFactory(
        country_code="ZZ", code="ZZ-E", parent=country, geom=square(-24, -20, -16, -5)
    )
    incident = IncidentFactory(location="SRID=4326;POINT(-23 -15)")
    assert Incident.objects.get(pk=incident.pk).admin1 == east
    # Move the border without re-deriving: the stored area is now stale.
    AdminArea.objects.filter(pk=west.pk).update(geom=square(-32, -20, -22, -5))
    AdminArea.objects.filter(pk=east.pk).update(geom=square(-22, -20, -16, -5))

    result = tasks.admin_areas_rederive.delay().get(timeout=60)

    assert result == {"incidents": 1, "places": 0}
    assert Incident.objects.get(pk=incident.pk).admin1 == west
    # The worker's write is kept in history and attributed to the task.
    change = incident.events.order_by("pgh_id").last()
    assert change.admin1_id == west.pk
    assert change.pgh_context.metadata["task"] == "incidents.admin_areas_rederive"
