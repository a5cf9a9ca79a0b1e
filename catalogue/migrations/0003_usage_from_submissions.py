# A request type's use (times used, last used) is read from its submissions, no longer counted on the
# request type by an UPDATE on every request: the two counters go (their figures are derived from the
# submissions, so nothing is lost), and the submissions get an index on (request type, time) that answers
# both, built without blocking writes on PostgreSQL. It serves the request type's foreign key as well, so
# the foreign key's own index is dropped once it is built.

import django.db.models.deletion
from django.db import migrations, models

from config.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalogue", "0002_text_limits"),
    ]

    operations = [
        AddIndexOnline(
            model_name="submission",
            index=models.Index(fields=["request_type", "created_at"], name="catalogue_submission_usage"),
        ),
        migrations.AlterField(
            model_name="submission",
            name="request_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="submissions",
                to="catalogue.requesttype",
            ),
        ),
        migrations.RemoveField(
            model_name="requesttype",
            name="last_used_at",
        ),
        migrations.RemoveField(
            model_name="requesttype",
            name="times_used",
        ),
    ]
