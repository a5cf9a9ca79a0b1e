# The breaches index gains the subject's id, so breached tickets per week are counted from the index
# alone. Built under a new name before the old one is dropped, both without blocking writes on PostgreSQL.

from django.db import migrations, models

from config.migration_operations import AddIndexOnline, RemoveIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("sla", "0003_clock_withdrawn"),
    ]

    operations = [
        AddIndexOnline(
            model_name="clock",
            index=models.Index(
                condition=models.Q(("breached_at__isnull", False)),
                fields=["subject_type", "breached_at", "kind", "subject_id"],
                name="sla_clock_breached_tickets",
            ),
        ),
        RemoveIndexOnline(model_name="clock", name="sla_clock_breaches"),
    ]
