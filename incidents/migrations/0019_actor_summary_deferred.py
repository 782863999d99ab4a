"""A bulk load may defer the per-actor summary's upkeep to one rebuild at its end
(incidents_actorcells_deferred in incidents/sql/actorcells.sql)."""

from django.db import migrations

from config.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [("incidents", "0018_api_partners_and_tombstones")]

    operations = [RunSQLFile("incidents/sql/actorcells.sql")]
