# Fill Ticket.due_calendar for tickets with a running clock, in batches of ids that each commit on
# their own, so no lock on the ticket table is held for the whole fill. Rows the new code already
# filled are left alone. On a large PostgreSQL database, VACUUM ANALYZE helpdesk_ticket afterwards (or
# let autovacuum get to it): until then the board's index-only counts read the rewritten rows too.

from django.db import migrations
from django.db.models import Max, Min, OuterRef, Subquery

BATCH = 10_000


def fill(apps, schema_editor):
    Ticket = apps.get_model("helpdesk", "Ticket")
    Clock = apps.get_model("sla", "Clock")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ticket_type = ContentType.objects.filter(app_label="helpdesk", model="ticket").first()
    waiting = Ticket.objects.filter(due_at__isnull=False, due_calendar__isnull=True)
    span = waiting.aggregate(first=Min("pk"), last=Max("pk"))
    if ticket_type is None or span["first"] is None:
        return
    soonest = Clock.objects.filter(
        subject_type=ticket_type,
        subject_id=OuterRef("pk"),
        kind__in=["response", "resolution"],
        stopped_at__isnull=True,
        paused_at__isnull=True,
    ).order_by("due_at", "pk")
    for start in range(span["first"], span["last"] + 1, BATCH):
        waiting.filter(pk__gte=start, pk__lt=start + BATCH).update(
            due_calendar_id=Subquery(soonest.values("calendar_id")[:1])
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0007_ticket_due_calendar"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
