"""Notices reach roster villagers without accounts: a delivery names a villager, an account, or both;
helpers' copies and door-to-door ticks name the villager; a notice can be required by law."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def fill_villagers(apps, schema_editor):
    Delivery = apps.get_model("notify", "Delivery")
    DoorVisit = apps.get_model("notify", "DoorVisit")
    Villager = apps.get_model("people", "Villager")

    def of(field):
        return Subquery(Villager.objects.filter(user_id=OuterRef(field)).values("pk")[:1])

    Delivery.objects.filter(recipient__isnull=False).update(villager=of("recipient_id"))
    Delivery.objects.filter(copy_for__isnull=False).update(copy_for_villager=of("copy_for_id"))
    DoorVisit.objects.update(villager=of("person_id"))
    # A tick for an account without a roster record has no door to knock on: it cannot be kept.
    DoorVisit.objects.filter(villager__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0010_jobrun_to_core"),
        ("people", "0007_grid_from_regions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notice", name="mandatory", field=models.BooleanField(default=False)
        ),
        migrations.AddField(
            model_name="delivery",
            name="villager",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="people.villager",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="copy_for_villager",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="people.villager"
            ),
        ),
        migrations.AddField(
            model_name="doorvisit",
            name="villager",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="people.villager"
            ),
        ),
        migrations.RunPython(fill_villagers, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="doorvisit", name="door_visit_person"),
        migrations.RemoveField(model_name="doorvisit", name="person"),
        migrations.AlterField(
            model_name="doorvisit",
            name="villager",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="people.villager"),
        ),
        migrations.AddIndex(
            model_name="doorvisit", index=models.Index(fields=["notice", "villager"], name="door_visit_villager")
        ),
        migrations.RemoveField(model_name="delivery", name="copy_for"),
        migrations.RenameField(model_name="delivery", old_name="copy_for_villager", new_name="copy_for"),
        migrations.RemoveConstraint(model_name="delivery", name="delivery_unique"),
        migrations.AlterField(
            model_name="delivery",
            name="recipient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="channel",
            field=models.CharField(
                choices=[("inbox", "Inbox"), ("email", "E-mail"), ("sms", "Text message"), ("door", "Door to door")],
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=Q(recipient__isnull=False), fields=("notice", "recipient", "channel"), name="delivery_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=Q(recipient__isnull=True),
                fields=("notice", "villager", "channel"),
                name="delivery_unique_villager",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(villager__isnull=False), name="delivery_has_someone"
            ),
        ),
        migrations.AddIndex(
            model_name="delivery", index=models.Index(fields=["notice", "villager"], name="delivery_notice_villager")
        ),
    ]
