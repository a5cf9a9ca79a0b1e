# Tickets keep the calendar of the clock whose deadline due_at is, beside due_at, so the desk tells the
# business time left without reading the clocks. Filled here for tickets with a running clock. On a
# large PostgreSQL database, VACUUM ANALYZE helpdesk_ticket afterwards (or let autovacuum get to it):
# until then the board's index-only counts read the rewritten rows from the table too.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Ticket = apps.get_model("helpdesk", "Ticket")
    Clock = apps.get_model("sla", "Clock")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ticket_type = ContentType.objects.filter(app_label="helpdesk", model="ticket").first()
    if ticket_type is None:
        return
    soonest = Clock.objects.filter(
        subject_type=ticket_type,
        subject_id=OuterRef("pk"),
        kind__in=["response", "resolution"],
        stopped_at__isnull=True,
        paused_at__isnull=True,
    ).order_by("due_at", "pk")
    Ticket.objects.filter(due_at__isnull=False).update(due_calendar_id=Subquery(soonest.values("calendar_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0006_withdraw_cancelled_clocks"),
        ("sla", "0004_breaches_index_covers_subject"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="due_calendar",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="sla.calendar",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
