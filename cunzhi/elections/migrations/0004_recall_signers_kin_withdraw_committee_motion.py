# Recall signers (art. 16), withdrawn near-relative declarations (art. 32), the meeting resolution that chose
# the election committee (art. 12).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import cunzhi.core.models


def fill_public_ids(apps, schema_editor):
    """Existing declarations get their own public id before the column becomes unique."""
    NearRelative = apps.get_model("elections", "NearRelative")
    for row in NearRelative.objects.only("pk"):
        NearRelative.objects.filter(pk=row.pk).update(public_id=cunzhi.core.models.public_id())


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0003_term_supervision_appraisal"),
        ("people", "0008_smsconsent"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="committeemember",
            name="meeting_ref",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name="committeemember",
            name="motion_ref",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name="nearrelative",
            name="public_id",
            field=models.CharField(default="", editable=False, max_length=16),
            preserve_default=False,
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="nearrelative",
            name="public_id",
            field=models.CharField(
                default=cunzhi.core.models.public_id, editable=False, max_length=16, unique=True
            ),
        ),
        migrations.AddField(
            model_name="nearrelative",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="nearrelative",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="RecallSigner",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "recall",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="signer_rows",
                        to="elections.recall",
                    ),
                ),
                (
                    "villager",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="people.villager"
                    ),
                ),
            ],
            options={
                "ordering": ["recall", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("recall", "villager"), name="elections_recall_signer_once")
                ],
            },
        ),
    ]
