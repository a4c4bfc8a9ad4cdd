"""Grids move from regions to people (people owns roles; the region tree knows no people).

Only Django's idea of where the model lives changes: the table keeps its name (regions_grid), its
rows, its constraints and the villagers' foreign key to it, so nothing is written to the tables.
The content type is renamed so that admin permissions granted on grids keep working.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to_people(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="people", model="grid").exists():
        ContentType.objects.filter(app_label="regions", model="grid").update(app_label="people")


def content_type_to_regions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="regions", model="grid").exists():
        ContentType.objects.filter(app_label="people", model="grid").update(app_label="regions")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("people", "0006_fold_full_width_identifiers"),
        ("regions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Grid",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                        ("region_code", models.CharField(db_index=True, editable=False, max_length=15)),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        (
                            "village",
                            models.ForeignKey(
                                limit_choices_to={"level": "village"},
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="grids",
                                to="regions.region",
                                verbose_name="village",
                            ),
                        ),
                        (
                            "worker",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="grids",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="grid worker",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "grid",
                        "verbose_name_plural": "grids",
                        "db_table": "regions_grid",
                        "ordering": ["region_code", "name"],
                        "constraints": [
                            models.UniqueConstraint(fields=("village", "name"), name="grid_unique_name_in_village")
                        ],
                    },
                ),
                migrations.AlterField(
                    model_name="villager",
                    name="grid",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="villagers",
                        to="people.grid",
                        verbose_name="grid",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_people, content_type_to_regions),
    ]
