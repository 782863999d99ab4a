"""Selectors: the functions that read actors."""

from datetime import date

from django.db import connection

from actors.models import RelationType

# Relations along which an actor's incidents count as the group's: members belong to the group,
# and a renamed group is the same organisation under its new name.
GROUP_RELATIONS = (RelationType.MEMBER_OF, RelationType.RENAMED_TO)


def actor_ids_with_members(actor_ids: list[int], on: date | None = None) -> set[int]:
    """The actors plus, transitively, their member groups and former names (Katiba Macina and
    Ansar Dine for JNIM; ISGS for ISSP). With `on`, only relations in force on that date count."""
    if not actor_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE grp(id) AS (
                SELECT unnest(%(ids)s::bigint[])
                UNION
                SELECT r.source_id FROM actors_actorrelation r JOIN grp ON r.target_id = grp.id
                WHERE r.type = ANY(%(types)s)
                  AND (%(on)s::date IS NULL OR (
                       (r.start_date IS NULL OR r.start_date <= %(on)s::date)
                   AND (r.end_date IS NULL OR r.end_date >= %(on)s::date)))
            )
            SELECT id FROM grp
            """,
            {"ids": list(actor_ids), "types": [str(t) for t in GROUP_RELATIONS], "on": on},
        )
        return {row[0] for row in cursor.fetchall()}


def actors_matching_name(text: str):
    """Actors with an alias equal to `text` once normalised (case, accents, punctuation)."""
    from django.db.models import Value

    from actors.models import Actor
    from actors.names import Normalise

    return Actor.objects.filter(aliases__normalised=Normalise(Value(text))).distinct()
