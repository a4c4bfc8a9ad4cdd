"""Posts already published about an adopted rule learn which adoption they are about (Post.about_type/about_id)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Adoption = apps.get_model("consultations", "Adoption")
    Post = apps.get_model("disclosure", "Post")
    rows = Adoption.objects.exclude(disclosure_post_id="").values_list("pk", "disclosure_post_id").iterator()
    for pk, ref in rows:
        posts = Post.objects.filter(public_id=ref, about_id__isnull=True)
        posts.update(about_type="consultations.adoption", about_id=pk)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0001_initial"),
        ("disclosure", "0002_post_about"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
