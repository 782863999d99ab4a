"""Bulk inserts by PostgreSQL's COPY, for the dataset imports.

`bulk_create` builds one INSERT with a placeholder per value and the driver parses it again to
bind them: for 10,000 GED events that is about half of an import's time spent in Python on text
that PostgreSQL then parses a third time. COPY streams the rows instead. Everything the database
does on an INSERT happens on a COPY too: the constraints are checked and the triggers fire (the
history, the map summary, the estimates), so the rules stay the database's.

The ids are taken from the table's sequence first, so the objects come back with their primary
keys set, as `bulk_create` leaves them."""

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.expressions import DatabaseDefault


def objects_copy(model: type[Model], objects: list[Model]) -> list[Model]:
    """Inserts `objects` (new, all built the same way) with COPY and sets their primary keys.
    Fields left to the database's default (`db_default`) and generated ones are left out.
    Errors are Django's (IntegrityError, DataError), as from `bulk_create`. One transaction
    (a savepoint inside the caller's): the history's context, set with the ids' statement, holds
    for the COPY, and a refused row leaves nothing of its batch behind."""
    if not objects:
        return objects
    opts = model._meta
    pk = opts.pk
    first = objects[0]
    fields = [
        f
        for f in opts.concrete_fields
        if f is not pk
        and not f.generated
        and not isinstance(getattr(first, f.attname), DatabaseDefault)
    ]
    table = connection.ops.quote_name(opts.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *fields])
    with transaction.atomic(), connection.wrap_database_errors, connection.cursor() as cursor:
        # Not a plain SELECT: pghistory puts its context (who, which command) in front of every
        # statement but those, and the COPY's triggers read it from the transaction.
        cursor.execute(
            "WITH ids AS (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS id "
            "FROM generate_series(1, %s)) SELECT id FROM ids",
            [opts.db_table, pk.column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj, pk_value in zip(objects, ids, strict=True):
                setattr(obj, pk.attname, pk_value)
                copy.write_row(
                    [pk_value]
                    + [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objects
