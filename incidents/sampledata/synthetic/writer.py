"""Writing synthetic incidents set-based: ids reserved from the sequence per batch, incidents and
their participants streamed with COPY, the database triggers (admin areas, history, map
summaries) running as for any other insert, in one transaction (a large load rebuilds the
per-actor summary once at its end instead); and deleting them all again."""

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pghistory
from django.db import connection, transaction
from django.utils import timezone

from config.db import analyze, immediate_constraints
from incidents.models import Origin, Status
from incidents.sampledata.synthetic.generator import Generator
from incidents.sampledata.synthetic.world import World

BATCH_SIZE = 10_000
# From this many incidents on, the per-actor map summary is rebuilt once at the end of the load
# instead of kept batch by batch (incidents/sql/actorcells.sql, incidents_actorcells_deferred):
# a rebuild reads every incident, which costs more than the upkeep of a small load.
DEFER_ACTOR_SUMMARY_FROM = 50_000


class SyntheticDataError(ValueError):
    """Synthetic incidents cannot be generated as asked; the message says why."""


@dataclass(frozen=True)
class SyntheticReport:
    incidents: int
    participants: int
    seconds: float
    seed: int

    @property
    def incidents_per_second(self) -> float:
        return self.incidents / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"{self.incidents:,} synthetic incidents and {self.participants:,} participants "
            f"generated in {self.seconds:.1f} s ({self.incidents_per_second:,.0f} incidents/s, "
            f"seed {self.seed})"
        )


INCIDENT_COLUMNS = (
    "id",
    "title",
    "date_start",
    "date_end",
    "time_precision",
    "location",
    "location_name",
    "geo_precision",
    "place_id",
    "country_code",
    "event_type",
    "sub_event_type",
    "civilian_targeting",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "fatalities_override",
    "narrative",
    "tags",
    "status",
    "origin",
    "origin_key",
    "retraction_reason",
    "published_at",
)
PARTICIPANT_COLUMNS = (
    "incident_id",
    "actor_id",
    "acled_position",
    "ucdp_side",
    "initiator",
    "claimed_responsibility",
    "note",
    "sequence",
    "name_as_coded",
)
GENERATED_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED)


def _reserve_ids(cursor, count: int) -> list[int]:
    """`count` incident ids from the table's own sequence, so that concurrent writers never
    collide with them and participants can refer to them before the incidents are written."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence('incidents_incident', 'id')) "
        "FROM generate_series(1, %s)",
        [count],
    )
    return [row[0] for row in cursor.fetchall()]


def _batches(count: int, size: int) -> Iterator[int]:
    done = 0
    while done < count:
        yield min(size, count - done)
        done += size


def synthetic_incidents_generate(
    count: int,
    *,
    seed: int = 1,
    start: date = date(2012, 1, 1),
    end: date | None = None,
    status: str = Status.PUBLISHED,
) -> SyntheticReport:
    """Writes `count` synthetic incidents, dated within [start, end] (end: today by default),
    with their participants, in one transaction; deterministic for `seed` and the same reference
    data. Needs gazetteer places of Mali, Burkina Faso or Niger; uses the actor catalogue when it
    is loaded (incidents get no participants otherwise). Raises SyntheticDataError on bad input."""
    end = end or timezone.localdate()
    if count < 1:
        raise SyntheticDataError(f"the number of incidents must be at least 1, not {count}")
    if end < start:
        raise SyntheticDataError(f"the end date {end} is before the start date {start}")
    if status not in GENERATED_STATUSES:
        raise SyntheticDataError(
            f"status must be one of {', '.join(GENERATED_STATUSES)}, not {status!r}"
        )
    started = time.perf_counter()
    world = World.load()
    if not world.conflict:
        raise SyntheticDataError(
            "no populated places of Mali, Burkina Faso or Niger in the gazetteer: "
            "load reference data first: manage.py setup_reference_data"
        )
    generator = Generator(world, random.Random(seed), start, end, status, seed)
    incidents = participants = 0
    copy_incidents = f"COPY incidents_incident ({', '.join(INCIDENT_COLUMNS)}) FROM STDIN"
    copy_participants = (
        f"COPY incidents_incidentactor ({', '.join(PARTICIPANT_COLUMNS)}) FROM STDIN"
    )
    history = pghistory.context(service="synthetic_incidents_generate", seed=seed)
    with (
        history,
        transaction.atomic(),
        immediate_constraints(),
        connection.cursor() as cursor,
    ):
        deferred = count >= DEFER_ACTOR_SUMMARY_FROM
        if deferred:
            cursor.execute("SELECT set_config('sahel.actorcells_deferred', 'on', true)")
        for size in _batches(count, BATCH_SIZE):
            links: list[tuple] = []
            ids = _reserve_ids(cursor, size)
            with cursor.cursor.copy(copy_incidents) as copy:
                for incident_id in ids:
                    row, rows = generator.incident(incident_id)
                    copy.write_row(row)
                    links.extend(rows)
            with cursor.cursor.copy(copy_participants) as copy:
                for link in links:
                    copy.write_row(link)
            incidents += size
            participants += len(links)
        if deferred:
            cursor.execute("SELECT set_config('sahel.actorcells_deferred', 'off', true)")
            cursor.execute("SELECT incidents_actorcells_rebuild()")
    # The statistics still describe the tables before the load (empty, on a first run).
    analyze(["incidents_incident", "incidents_incidentactor"])
    return SyntheticReport(
        incidents=incidents,
        participants=participants,
        seconds=time.perf_counter() - started,
        seed=seed,
    )


@pghistory.context(service="synthetic_incidents_delete")
@transaction.atomic
def synthetic_incidents_delete() -> int:
    """Deletes every synthetic incident with everything that hangs on it (participants, claims,
    civilian-harm reports and victims), set-based; returns the number of incidents deleted. The
    history triggers record each deletion, as for any other delete."""
    synthetic = "SELECT id FROM incidents_incident WHERE origin = %s"
    with immediate_constraints(), connection.cursor() as cursor:
        # Whole incidents go: their participants and claims need not touch them first
        # (incidents/sql/sync.sql).
        cursor.execute("SET LOCAL sahel.deleting_incidents = 'on'")
        cursor.execute(
            f"""DELETE FROM incidents_victim v USING incidents_civilianharmreport r
                WHERE v.report_id = r.id AND r.incident_id IN ({synthetic})""",
            [Origin.SYNTHETIC],
        )
        for table in ("incidents_civilianharmreport", "incidents_claim", "incidents_incidentactor"):
            cursor.execute(
                f"DELETE FROM {table} WHERE incident_id IN ({synthetic})", [Origin.SYNTHETIC]
            )
        cursor.execute("DELETE FROM incidents_incident WHERE origin = %s", [Origin.SYNTHETIC])
        deleted = cursor.rowcount
    return deleted
