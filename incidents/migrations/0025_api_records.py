"""The API's per-incident summary (incidents_apirecord), its triggers (incidents/sql/apirecords.sql)
and its first fill: one INSERT ... SELECT from the summary built from scratch."""

import django.db.models.deletion
from django.db import migrations, models

from config.sqlfiles import RunSQLFile


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0025_rawreport_history_both_fields'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiRecord',
            fields=[
                ('incident', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='incidents.incident')),
                ('actor1', models.TextField()),
                ('assoc_actor_1', models.TextField()),
                ('actor2', models.TextField()),
                ('assoc_actor_2', models.TextField()),
                ('side_a', models.TextField()),
                ('side_b', models.TextField()),
                ('initiators', models.TextField()),
                ('claimed_by', models.TextField()),
                ('actors', models.TextField(help_text="The participants as the API's JSON list (json text).")),
                ('claims_count', models.IntegerField()),
                ('source_count', models.IntegerField()),
                ('claims_summary', models.TextField(help_text="Confidential publishers as chr(1): the API puts the caller's label there.")),
                ('claims_summary_named', models.TextField()),
                ('harm_assessments', models.IntegerField()),
                ('acled_event_ids', models.TextField()),
                ('ucdp_ged_ids', models.TextField()),
            ],
            options={
                'verbose_name': 'API record summary',
            },
        ),
        RunSQLFile("incidents/sql/apirecords.sql"),
        migrations.RunSQL(
            "INSERT INTO incidents_apirecord SELECT * FROM incidents_apirecord_direct "
            "WHERE incident_id IN (SELECT incident_id FROM incidents_incidentactor "
            "UNION SELECT incident_id FROM incidents_claim "
            "UNION SELECT incident_id FROM incidents_civilianharmreport "
            "UNION SELECT incident_id FROM incidents_acledevent "
            "UNION SELECT incident_id FROM incidents_ucdpevent)",
            migrations.RunSQL.noop,
        ),
    ]
