"""Grids move to people (people.0007): the model leaves regions' state; its table stays as it is."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0001_initial"),
        ("people", "0007_grid_from_regions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Grid")],
            database_operations=[],
        ),
    ]
