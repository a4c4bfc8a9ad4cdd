"""Posts already published about a meeting's result learn which meeting they are about (Post.about_type/about_id)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    Post = apps.get_model("disclosure", "Post")
    for pk, ref in Meeting.objects.exclude(disclosure_ref="").values_list("pk", "disclosure_ref").iterator():
        Post.objects.filter(public_id=ref, about_id__isnull=True).update(about_type="meetings.meeting", about_id=pk)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("disclosure", "0002_post_about"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
