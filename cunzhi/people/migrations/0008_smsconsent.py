"""SmsConsent moves from notify to people (the roster brings consent): the table stays where it is."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_grid_from_regions"),
        ("notify", "0011_reach_every_villager"),  # the table exists
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SmsConsent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("phone", models.CharField(db_index=True, max_length=32)),
                        ("given", models.BooleanField()),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("roster", "Roster column"),
                                    ("in_person", "Given in person to a cadre"),
                                    ("reply", "By text message"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("at", models.DateTimeField()),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "notify_smsconsent",
                        "ordering": ["-at", "-id"],
                        "indexes": [models.Index(fields=["phone", "-at"], name="consent_latest")],
                    },
                )
            ]
        ),
    ]
