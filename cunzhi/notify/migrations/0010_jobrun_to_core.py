"""JobRun moves to core (core.0004): the model leaves notify's state; its table stays as it is."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0009_door_visit"),
        ("core", "0004_jobrun_from_notify"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="JobRun")],
            database_operations=[],
        ),
    ]
