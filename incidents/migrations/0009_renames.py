"""Renames that keep their data (and history): an incident's external_id becomes origin_key (the
ACLED and UCDP identifiers get records of their own); a victim's gender becomes sex and outcome
becomes status (which now includes "abducted")."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0004_presence_alias_validity_relation_scope"),
        ("incidents", "0008_history_without_foreign_key_indexes"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="incident", name="incident_unique_external_id"),
        migrations.RemoveConstraint(model_name="victim", name="victim_gender_valid"),
        migrations.RemoveConstraint(model_name="victim", name="victim_outcome_valid"),
        migrations.RenameField("incident", "external_id", "origin_key"),
        migrations.RenameField("incidentevent", "external_id", "origin_key"),
        migrations.RenameField("victim", "gender", "sex"),
        migrations.RenameField("victimevent", "gender", "sex"),
        migrations.RenameField("victim", "outcome", "status"),
        migrations.RenameField("victimevent", "outcome", "status"),
    ]
