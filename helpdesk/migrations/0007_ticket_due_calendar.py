# Tickets keep the calendar of the clock whose deadline due_at is, beside due_at, so the desk tells the
# business time left without reading the clocks. The column alone here (no rewrite: it starts empty);
# 0008 fills it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
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
    ]
