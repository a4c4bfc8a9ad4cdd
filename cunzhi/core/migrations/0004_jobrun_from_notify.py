"""The periodic-job scheduler moves from notify to core, and its JobRun model with it.

Only Django's idea of where the model lives changes: the table keeps its name (notify_jobrun), its
rows, index and constraint, so nothing is written to the tables. It needs notify's table to exist,
hence the dependency on notify; notify.0005 then drops the model from notify's state. The content
type is renamed so that admin permissions on job runs keep working.
"""

from django.db import migrations, models


def content_type_to_core(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model="jobrun").exists():
        ContentType.objects.filter(app_label="notify", model="jobrun").update(app_label="core")


def content_type_to_notify(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="notify", model="jobrun").exists():
        ContentType.objects.filter(app_label="core", model="jobrun").update(app_label="notify")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_cache_table"),
        ("notify", "0004_delivery_claim_before_send"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="JobRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100)),
                        ("slot", models.DateTimeField()),
                        ("enqueued_at", models.DateTimeField(auto_now_add=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("ok", models.BooleanField(null=True)),
                        ("error", models.TextField(blank=True)),
                        ("result", models.CharField(blank=True, max_length=200)),
                    ],
                    options={
                        "db_table": "notify_jobrun",
                        "ordering": ["-slot", "name"],
                        "indexes": [models.Index(fields=["name", "ok", "-finished_at"], name="jobrun_last_ok")],
                        "constraints": [models.UniqueConstraint(fields=("name", "slot"), name="jobrun_unique_slot")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_core, content_type_to_notify),
    ]
