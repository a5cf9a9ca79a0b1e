"""Clocks of tickets cancelled before clocks knew "withdrawn": mark them, so they count neither met nor missed."""

from django.db import migrations


def withdraw(apps, schema_editor):
    Ticket = apps.get_model("helpdesk", "Ticket")
    Clock = apps.get_model("sla", "Clock")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ticket_type = ContentType.objects.filter(app_label="helpdesk", model="ticket").first()
    if ticket_type is None:  # a new database: nothing was ever cancelled
        return
    cancelled = Ticket.objects.filter(state="cancelled").values("pk")
    Clock.objects.filter(subject_type=ticket_type, subject_id__in=cancelled, stopped_at__isnull=False).update(
        withdrawn=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0005_board_indexes"),
        ("sla", "0003_clock_withdrawn"),
    ]

    operations = [migrations.RunPython(withdraw, migrations.RunPython.noop)]
