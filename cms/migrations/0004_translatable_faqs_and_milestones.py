"""Questions and answers and milestones become translatable with their page (wagtail-localize): each row
gets its own translation key and its page's locale. Rows already there are given both one by one, so two
rows never share a key."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def give_keys(apps, schema_editor):
    for name in ("ServiceFaq", "Milestone"):
        model = apps.get_model("cms", name)
        for row in model.objects.select_related("page").iterator():
            row.translation_key = uuid.uuid4()
            row.locale_id = row.page.locale_id
            row.save(update_fields=["translation_key", "locale"])


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_catalogue_pages"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        *[
            operation
            for model in ("servicefaq", "milestone")
            for operation in (
                migrations.AddField(
                    model_name=model,
                    name="translation_key",
                    field=models.UUIDField(editable=False, null=True),
                ),
                migrations.AddField(
                    model_name=model,
                    name="locale",
                    field=models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtailcore.locale",
                        verbose_name="locale",
                    ),
                ),
            )
        ],
        migrations.RunPython(give_keys, migrations.RunPython.noop),
        *[
            operation
            for model in ("servicefaq", "milestone")
            for operation in (
                migrations.AlterField(
                    model_name=model,
                    name="translation_key",
                    field=models.UUIDField(default=uuid.uuid4, editable=False),
                ),
                migrations.AlterField(
                    model_name=model,
                    name="locale",
                    field=models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtailcore.locale",
                        verbose_name="locale",
                    ),
                ),
                migrations.AlterUniqueTogether(name=model, unique_together={("translation_key", "locale")}),
            )
        ],
    ]
