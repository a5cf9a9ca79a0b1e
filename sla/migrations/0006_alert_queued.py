"""Warnings and breaches are told (notified_at) only once the mail server accepts their digest; the
moment they were written into one is queued_at. Events told before this migration were both at once.

The pending-alert index is rebuilt on the new column without blocking writes on PostgreSQL."""

from django.db import migrations, models
from django.db.models import F

from config.migration_operations import AddIndexOnline, RemoveIndexOnline


def queued_when_told(apps, schema_editor):
    SlaEvent = apps.get_model("sla", "SlaEvent")
    SlaEvent.objects.filter(notified_at__isnull=False).update(queued_at=F("notified_at"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sla", "0005_clock_policy_used"),
    ]

    operations = [
        migrations.AddField(
            model_name="slaevent",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(queued_when_told, migrations.RunPython.noop, atomic=True),
        RemoveIndexOnline(
            model_name="slaevent",
            name="sla_event_pending_alert",
        ),
        AddIndexOnline(
            model_name="slaevent",
            index=models.Index(
                condition=models.Q(("kind__in", ("warned", "breached")), ("queued_at__isnull", True)),
                fields=["at"],
                name="sla_event_pending_alert",
            ),
        ),
    ]
