"""The map's summary per actor group (incidents/models/actorcells.py): the tables, the triggers
that keep it, and its functions (incidents/sql/actorcells.sql; mapcells.sql again for the moved
facts they now share). The groups and cells are filled by incidents.services.
actor_summary_refresh (at setup, and by Celery beat); until then the map counts directly."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

from config.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0005_verbose_names"),
        ("incidents", "0015_map_summary_all_time"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActorCell",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("group_key", models.IntegerField()),
                ("level", models.PositiveSmallIntegerField()),
                ("grain", models.CharField(max_length=5)),
                (
                    "period",
                    models.DateField(
                        help_text="First day of the month or year; 0001-01-01 for all time."
                    ),
                ),
                ("cx", models.IntegerField()),
                ("cy", models.IntegerField()),
                ("published", models.BooleanField()),
                ("n", models.IntegerField()),
                ("fatalities", models.BigIntegerField()),
                (
                    "imprecise",
                    models.IntegerField(
                        help_text="Incidents coded to an admin area (geo precision 3)."
                    ),
                ),
                ("n_battles", models.IntegerField()),
                ("n_explosions_remote_violence", models.IntegerField()),
                ("n_violence_against_civilians", models.IntegerField()),
                ("n_protests", models.IntegerField()),
                ("n_riots", models.IntegerField()),
                ("n_strategic_developments", models.IntegerField()),
                ("sum_lon", models.FloatField()),
                ("sum_lat", models.FloatField()),
            ],
            options={
                "verbose_name": "actor summary cell",
            },
        ),
        migrations.CreateModel(
            name="ActorGroup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("members", models.BooleanField()),
                ("key", models.IntegerField()),
            ],
            options={
                "verbose_name": "actor group (derived)",
            },
        ),
        migrations.CreateModel(
            name="ActorGroupWindow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.IntegerField()),
                ("start_date", models.DateField()),
                ("end_date", models.DateField()),
            ],
            options={
                "verbose_name": "actor group window (derived)",
            },
        ),
        migrations.CreateModel(
            name="ActorSummaryState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("relations_fingerprint", models.CharField(max_length=64)),
                ("built_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "actor summary state (derived)",
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incident",
            trigger=pgtrigger.compiler.Trigger(
                name="incident_actorcells_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM incidents_actorcells_moved(ARRAY(SELECT incidents_mapfact(o, -1) FROM old_rows o WHERE o.location IS NOT NULL), ARRAY(SELECT incidents_mapfact(n, 1) FROM new_rows n WHERE n.location IS NOT NULL)); RETURN NULL;",
                    hash="3f968e09b091b102d12abe3eb3160fe8ba8e91f7",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_incident_actorcells_update_6f292",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="incidents_incident",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incidentactor",
            trigger=pgtrigger.compiler.Trigger(
                name="participant_actorcells_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM incidents_actorcells_regroup(ARRAY(SELECT ROW(incident_id, actor_id)::incidents_participation FROM new_rows), ARRAY[]::incidents_participation[]); RETURN NULL;",
                    hash="21a37ec5a8bd8c076eac54f7f97d46e270fbd6f3",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_participant_actorcells_insert_77f63",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="incidents_incidentactor",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incidentactor",
            trigger=pgtrigger.compiler.Trigger(
                name="participant_actorcells_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM incidents_actorcells_regroup(ARRAY[]::incidents_participation[], ARRAY(SELECT ROW(incident_id, actor_id)::incidents_participation FROM old_rows)); RETURN NULL;",
                    hash="2535edb75f6c7dee08efdc3cdab87dd7d76adc1f",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_participant_actorcells_delete_dcdf5",
                    referencing="REFERENCING OLD TABLE AS old_rows ",
                    table="incidents_incidentactor",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incidentactor",
            trigger=pgtrigger.compiler.Trigger(
                name="participant_actorcells_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM incidents_actorcells_regroup(ARRAY(SELECT ROW(n.incident_id, n.actor_id)::incidents_participation FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (o.incident_id, o.actor_id) IS DISTINCT FROM (n.incident_id, n.actor_id)), ARRAY(SELECT ROW(o.incident_id, o.actor_id)::incidents_participation FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE (o.incident_id, o.actor_id) IS DISTINCT FROM (n.incident_id, n.actor_id))); RETURN NULL;",
                    hash="5eb884a9136a0653ec8197d178d6dda0d1251ef7",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_participant_actorcells_update_07b85",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="incidents_incidentactor",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddIndex(
            model_name="actorcell",
            index=models.Index(
                fields=["group_key", "level", "grain", "cx", "cy", "period"],
                include=(
                    "published",
                    "n",
                    "fatalities",
                    "imprecise",
                    "n_battles",
                    "n_explosions_remote_violence",
                    "n_violence_against_civilians",
                    "n_protests",
                    "n_riots",
                    "n_strategic_developments",
                    "sum_lon",
                    "sum_lat",
                ),
                name="actorcell_lookup",
            ),
        ),
        migrations.AddIndex(
            model_name="actorcell",
            index=models.Index(condition=models.Q(("n", 0)), fields=["id"], name="actorcell_empty"),
        ),
        migrations.AddConstraint(
            model_name="actorcell",
            constraint=models.UniqueConstraint(
                fields=("group_key", "level", "grain", "period", "cx", "cy", "published"),
                name="actorcell_key",
            ),
        ),
        migrations.AddField(
            model_name="actorgroup",
            name="actor",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="actors.actor"
            ),
        ),
        migrations.AddField(
            model_name="actorgroupwindow",
            name="actor",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="actors.actor"
            ),
        ),
        migrations.AddConstraint(
            model_name="actorgroup",
            constraint=models.UniqueConstraint(
                fields=("actor", "members"), name="actor_group_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="actorgroupwindow",
            index=models.Index(
                fields=["actor", "start_date", "end_date"],
                include=("key",),
                name="actor_group_window_lookup",
            ),
        ),
        RunSQLFile("incidents/sql/mapcells.sql", "incidents/sql/actorcells.sql"),
    ]
