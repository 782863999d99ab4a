"""Services that write geography beyond the loaders."""

from django.db import connection, transaction

from config.db import immediate_constraints


@transaction.atomic
def places_rederive() -> int:
    """Re-derives admin1/admin2 of every gazetteer place whose stored areas differ from what the
    current boundary polygons say; returns how many changed. Setting the point to itself fires
    the derivation trigger; places that would not change are not touched."""
    with immediate_constraints(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE incidents_place p SET point = p.point
            FROM incidents_place q
            CROSS JOIN LATERAL incidents_admin_areas_at(q.point) AS a
            WHERE p.id = q.id
              AND (q.admin1_id, q.admin2_id) IS DISTINCT FROM (a.admin1_id, a.admin2_id)
            """
        )
        return cursor.rowcount
