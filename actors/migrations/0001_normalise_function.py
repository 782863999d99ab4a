"""sahel_normalise(text): the one name-normalisation rule, used by generated columns, indexes and
queries (see actors/names.py)."""

from django.db import migrations

from actors.names import CREATE_NORMALISE_FUNCTION, DROP_NORMALISE_FUNCTION


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations = [migrations.RunSQL(CREATE_NORMALISE_FUNCTION, DROP_NORMALISE_FUNCTION)]
