"""The map's summary keeps civilian harm (civilians targeted, civilians among the dead, or a
civilian-harm assessment) as one more key, so that the "civilian harm only" filter is read from
it; assessments added, removed or moved keep it exact (triggers on incidents_civilianharmreport).
The summary is rebuilt from the incidents before its lookup index is made again."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

from config.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0019_actor_summary_deferred"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="mapcell",
            name="mapcell_key",
        ),
        migrations.RemoveIndex(
            model_name="mapcell",
            name="mapcell_lookup",
        ),
        migrations.AddField(
            model_name="mapcell",
            name="civilian_harm",
            field=models.BooleanField(
                default=False,
                help_text="Civilians targeted, civilians among the dead, or a civilian-harm assessment.",
            ),
            preserve_default=False,
        ),
        RunSQLFile("incidents/sql/mapcells.sql"),
        migrations.AddConstraint(
            model_name="mapcell",
            constraint=models.UniqueConstraint(
                fields=(
                    "level",
                    "grain",
                    "period",
                    "cx",
                    "cy",
                    "event_type",
                    "published",
                    "geo_precision",
                    "country_code",
                    "civilian_harm",
                ),
                name="mapcell_key",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="civilianharmreport",
            trigger=pgtrigger.compiler.Trigger(
                name="harm_mapcells_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM incidents_mapcells_harm_changed(ARRAY(SELECT id FROM new_rows), ARRAY(SELECT incident_id FROM new_rows), '{}'); RETURN NULL;",
                    hash="358ceeece44c052d6de7987fba167b88778b121c",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_harm_mapcells_insert_76abb",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="incidents_civilianharmreport",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="civilianharmreport",
            trigger=pgtrigger.compiler.Trigger(
                name="harm_mapcells_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM incidents_mapcells_harm_changed('{}', '{}', ARRAY(SELECT incident_id FROM old_rows)); RETURN NULL;",
                    hash="fac1a27727ca5a3f948db37cf5619aed70e92eae",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_harm_mapcells_delete_7199f",
                    referencing="REFERENCING OLD TABLE AS old_rows ",
                    table="incidents_civilianharmreport",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="civilianharmreport",
            trigger=pgtrigger.compiler.Trigger(
                name="harm_mapcells_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM incidents_mapcells_harm_changed(ARRAY(SELECT id FROM new_rows), ARRAY(SELECT incident_id FROM new_rows), ARRAY(SELECT incident_id FROM old_rows)); RETURN NULL;",
                    hash="65c003c6a132546c916a506755478c1108895257",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_harm_mapcells_update_502d4",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="incidents_civilianharmreport",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunSQL(
            "SELECT incidents_mapcells_rebuild(); ANALYZE incidents_mapcell;",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name="mapcell",
            index=models.Index(
                fields=["level", "grain", "period", "cx", "cy"],
                include=(
                    "event_type",
                    "published",
                    "geo_precision",
                    "country_code",
                    "civilian_harm",
                    "n",
                    "fatalities",
                    "sum_lon",
                    "sum_lat",
                ),
                name="mapcell_lookup",
            ),
        ),
    ]
