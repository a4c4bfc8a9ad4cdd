"""The database cache's table (settings: CACHES "default" is a DatabaseCache, table cunzhi_cache, unless
REDIS_URL is set), so that `manage.py migrate` alone makes a database every command can use."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    # Django's own command makes the table of every DatabaseCache in the settings with the schema its
    # backend expects, and skips a table that exists (installations that ran createcachetable by hand).
    # With Redis as the cache there is nothing to make; switching to the database cache later needs
    # `manage.py createcachetable` once (docs/operations.md).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_initial"),
    ]

    operations = [
        # No reverse: dropping the table would take every session and lock-out with it.
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False),
    ]
