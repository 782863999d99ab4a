"""Database session settings that several bulk writers need, written once."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def immediate_constraints() -> Iterator[None]:
    """Checks deferrable foreign keys per statement instead of at commit, inside the block.

    Deferred checks queued per row (beside the history triggers) cost more than linearly in a
    bulk write; checking each row as it is written is the same guarantee, much faster. Must run
    inside a transaction; the default (deferred) is restored on the way out.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def analyze(tables: Iterable[str]) -> None:
    """Refreshes the planner statistics of `tables` after a bulk load, so that the next queries
    (the generator's place weighting, the map's aggregations) are planned for the rows now there
    rather than for the empty tables the statistics still describe."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
