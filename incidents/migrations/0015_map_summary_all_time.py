"""The map summary gains an all-time grain (what an unfiltered view reads: a tenth of the rows of
its years) and a covering lookup index (a viewport's cells read from the index alone). The
all-time rows are summed from the year rows, which hold every incident once."""

from django.db import migrations, models

from config.sqlfiles import RunSQLFile

ALL_TIME = """
INSERT INTO incidents_mapcell (level, grain, period, cx, cy, event_type, published,
    geo_precision, country_code, n, fatalities, civilian_targeting, sum_lon, sum_lat)
SELECT level, 'all', DATE '0001-01-01', cx, cy, event_type, published, geo_precision,
       country_code, sum(n), sum(fatalities), sum(civilian_targeting), sum(sum_lon), sum(sum_lat)
FROM incidents_mapcell WHERE grain = 'year'
GROUP BY level, cx, cy, event_type, published, geo_precision, country_code;
ANALYZE incidents_mapcell;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0014_period_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="mapcell",
            name="mapcell_lookup",
        ),
        migrations.AlterField(
            model_name="mapcell",
            name="period",
            field=models.DateField(
                help_text="First day of the month or year; 0001-01-01 for all time."
            ),
        ),
        RunSQLFile("incidents/sql/mapcells.sql"),
        migrations.RunSQL(ALL_TIME, "DELETE FROM incidents_mapcell WHERE grain = 'all'"),
        migrations.AddIndex(
            model_name="mapcell",
            index=models.Index(
                fields=["level", "grain", "cx", "cy", "period"],
                include=(
                    "event_type",
                    "published",
                    "geo_precision",
                    "country_code",
                    "n",
                    "fatalities",
                    "sum_lon",
                    "sum_lat",
                ),
                name="mapcell_lookup",
            ),
        ),
    ]
