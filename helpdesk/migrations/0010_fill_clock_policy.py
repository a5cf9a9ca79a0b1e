# Clocks now name the policy and priority they measure, so a policy edit can find the clocks it
# re-times. Filled from their tickets in batches of clock ids that each commit on their own: the
# ticket's policy and its priority now, which a priority change has always re-timed the clocks still
# counting to (their labels were never renamed, so they do not say).

from django.db import migrations
from django.db.models import Max, Min, OuterRef, Subquery

BATCH = 10_000


def fill(apps, schema_editor):
    Ticket = apps.get_model("helpdesk", "Ticket")
    Clock = apps.get_model("sla", "Clock")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ticket_type = ContentType.objects.filter(app_label="helpdesk", model="ticket").first()
    if ticket_type is None:
        return
    waiting = Clock.objects.filter(subject_type=ticket_type, kind__in=["response", "resolution"], policy__isnull=True)
    span = waiting.aggregate(first=Min("pk"), last=Max("pk"))
    if span["first"] is None:
        return
    ticket = Ticket.objects.filter(pk=OuterRef("subject_id"))
    for start in range(span["first"], span["last"] + 1, BATCH):
        batch = waiting.filter(pk__gte=start, pk__lt=start + BATCH)
        batch.update(
            policy_id=Subquery(ticket.values("policy_id")[:1]), priority=Subquery(ticket.values("priority")[:1])
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0009_ticket_raised_by_recent"),
        ("sla", "0005_clock_policy_used"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
