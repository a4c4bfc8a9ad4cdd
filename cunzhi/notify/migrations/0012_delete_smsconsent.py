"""SmsConsent now belongs to people (people 0008): only the state moves, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notify', '0011_reach_every_villager'),
        ('people', '0008_smsconsent'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='SmsConsent')]),
    ]
