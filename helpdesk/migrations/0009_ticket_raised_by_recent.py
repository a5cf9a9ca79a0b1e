# What a person raised for others, newest first, read from an index (the portal list), built without
# blocking writes on PostgreSQL.

from django.db import migrations, models

from config.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("helpdesk", "0008_fill_ticket_due_calendar"),
    ]

    operations = [
        AddIndexOnline(
            model_name="ticket",
            index=models.Index(fields=["raised_by", "-created_at"], name="ticket_raised_by_recent"),
        ),
    ]
