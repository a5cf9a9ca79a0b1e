"""Clocks stopped by a cancel before clocks knew "withdrawn": mark them, so they count neither met nor missed.

As a cancel does now, only the clocks the cancel itself stopped (at the ticket's closed_at); a response
given before the cancel keeps its verdict.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef


def withdraw(apps, schema_editor):
    Ticket = apps.get_model("helpdesk", "Ticket")
    Clock = apps.get_model("sla", "Clock")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ticket_type = ContentType.objects.filter(app_label="helpdesk", model="ticket").first()
    if ticket_type is None:  # a new database: nothing was ever cancelled
        return
    stopped_by_cancel = Ticket.objects.filter(
        pk=OuterRef("subject_id"), state="cancelled", closed_at=OuterRef("stopped_at")
    )
    Clock.objects.filter(subject_type=ticket_type, stopped_at__isnull=False).filter(Exists(stopped_by_cancel)).update(
        withdrawn=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0005_board_indexes"),
        ("sla", "0003_clock_withdrawn"),
    ]

    operations = [migrations.RunPython(withdraw, migrations.RunPython.noop)]
