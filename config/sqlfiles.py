"""SQL functions live in readable .sql files (incidents/sql/, actors/sql/), one place per rule;
migrations apply them with RunSQLFile.

A migration applies the file as it is when the migration runs. A later change to a file comes
with a new migration that applies it again, so a database migrated step by step always has the
newest functions; on a fresh database an older migration may apply a newer file before the
columns it names exist, which is why function bodies are not checked when applied (they are
checked when first called, after the last migration).
"""

from pathlib import Path

from django.db import migrations

ROOT = Path(__file__).resolve().parent.parent


def sql_file(path: str) -> str:
    """The text of a .sql file, by its path from the project root."""
    return (ROOT / path).read_text(encoding="utf-8")


class RunSQLFile(migrations.RunSQL):
    """Applies .sql files (CREATE OR REPLACE ...), in order; reversing does nothing (the
    previous migration's functions are applied again by migrating back past it)."""

    def __init__(self, *paths: str):
        self.paths = paths
        sql = "SET LOCAL check_function_bodies = off;\n" + "\n".join(sql_file(p) for p in paths)
        super().__init__(sql, migrations.RunSQL.noop)

    def deconstruct(self):
        return (self.__class__.__name__, self.paths, {})

    def describe(self) -> str:
        return f"Apply {', '.join(self.paths)}"
