"""An incident's coordinates as numbers (generated from its location) and a covering index on
them: the map at high zoom groups the incidents in view by their exact point from the index
alone."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0016_actor_summary"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="lat",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(models.F("location"), function="ST_Y"),
                output_field=models.FloatField(),
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="lon",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(models.F("location"), function="ST_X"),
                output_field=models.FloatField(),
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["lon", "lat"],
                include=(
                    "id",
                    "date_start",
                    "event_type",
                    "geo_precision",
                    "fatalities_best",
                    "status",
                ),
                name="incident_map_points",
            ),
        ),
    ]
