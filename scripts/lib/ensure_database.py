"""Create the database named in DATABASE_URL if it does not exist (idempotent).

Runs before Django can connect, so it talks to the server's maintenance database directly.
"""

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def main() -> int:
    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    params = {
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    name = cfg["NAME"]
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}", file=sys.stderr)
    except psycopg.Error as exc:
        print(f"cannot use the PostgreSQL server in DATABASE_URL: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
