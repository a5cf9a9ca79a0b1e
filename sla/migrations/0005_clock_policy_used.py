"""Clocks name the policy and priority they measure (policy edits find them by these), keep the time
used once stopped, and a reopen carries on the same clock: one clock per ticket and target, so each
ticket has one verdict per target. Clocks a reopen started before this are merged into the first.

Indexes are built without blocking writes on PostgreSQL; the merge runs in its own transaction.
"""

import datetime
import django.db.models.deletion
from django.db import migrations, models

from config.migration_operations import AddConstraintOnline, AddIndexOnline, RemoveIndexOnline
from sla.clock import WorkingHours

OURS = ("response", "resolution")


def _hours(calendar) -> WorkingHours:
    """The calendar compiled as it stands (historical rows): weekly hours, closures, public holidays."""
    import holidays

    week = {}
    for row in calendar.opening_hours.all():
        week.setdefault(row.weekday, []).append((row.opens, row.closes))
    own = set()
    for closure in calendar.closures.all():
        last = closure.end_date or closure.start_date
        own.update(closure.start_date + datetime.timedelta(days=n) for n in range((last - closure.start_date).days + 1))
    public = (
        holidays.country_holidays(calendar.holiday_country, subdiv=calendar.holiday_subdivision or None)
        if calendar.holiday_country
        else {}
    )

    class Closed:
        def __contains__(self, day):
            return day in own or day in public

    return WorkingHours(calendar.time_zone, week, Closed())


def _gaps(history):
    """Closed intervals not counted: paused until resumed or stopped, stopped until reopened."""
    intervals, opened = [], None
    for kind, moment in history:
        if kind in ("resumed", "stopped", "reopened") and opened is not None:
            intervals.append((opened, moment))
        opened = moment if kind in ("paused", "stopped") else None
    return intervals


def merge_reopened_clocks(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    Clock = apps.get_model("sla", "Clock")
    SlaEvent = apps.get_model("sla", "SlaEvent")
    groups = (
        Clock.objects.filter(kind__in=OURS)
        .values("subject_type_id", "subject_id", "kind")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    compiled = {}
    for group in groups.iterator():
        clocks = list(
            Clock.objects.filter(
                subject_type_id=group["subject_type_id"], subject_id=group["subject_id"], kind=group["kind"]
            ).order_by("started_at", "pk")
        )
        keeper, later = clocks[0], clocks[1:]
        # A priority change after the reopen gave the last clock that priority's whole target, on its
        # calendar: those are the terms the ticket is measured by now.
        retimed_last = SlaEvent.objects.filter(clock=later[-1], kind="repaired").exists()
        for clock in later:
            # Its start was a reopen; its alerts are the keeper's unless the keeper has one already.
            SlaEvent.objects.filter(clock=clock, kind="started").update(kind="reopened", data={})
            for kind in ("warned", "breached"):
                if SlaEvent.objects.filter(clock=keeper, kind=kind).exists():
                    SlaEvent.objects.filter(clock=clock, kind=kind).delete()
            SlaEvent.objects.filter(clock=clock).update(clock=keeper)
        last = later[-1]
        keeper.breached_at = min((c.breached_at for c in clocks if c.breached_at), default=None)
        keeper.warned_at = min((c.warned_at for c in clocks if c.warned_at), default=None)
        for name in ("stopped_at", "withdrawn", "paused_at", "pause_reason", "notify_email", "escalate_email"):
            setattr(keeper, name, getattr(last, name))
        if retimed_last:
            for name in ("target", "warn_after", "calendar_id", "pausable", "label"):
                setattr(keeper, name, getattr(last, name))
        if keeper.calendar_id not in compiled:
            compiled[keeper.calendar_id] = _hours(Calendar.objects.get(pk=keeper.calendar_id))
        hours = compiled[keeper.calendar_id]
        history = list(
            SlaEvent.objects.filter(clock=keeper, kind__in=["paused", "resumed", "stopped", "reopened"])
            .order_by("at", "pk")
            .values_list("kind", "at")
        )
        keeper.paused_for = sum((hours.between(a, b) for a, b in _gaps(history)), datetime.timedelta(0))
        keeper.due_at = max(hours.add(keeper.started_at, keeper.target + keeper.paused_for), last.started_at)
        if keeper.warn_after:
            keeper.warn_at = hours.add(keeper.started_at, keeper.warn_after + keeper.paused_for)
        Clock.objects.filter(pk__in=[c.pk for c in later]).delete()
        keeper.save()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("sla", "0004_breaches_index_covers_subject"),
    ]

    operations = [
        migrations.AddField(
            model_name="clock",
            name="policy",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="clocks",
                to="sla.policy",
            ),
        ),
        migrations.AddField(
            model_name="clock",
            name="priority",
            field=models.CharField(
                blank=True,
                choices=[("P1", "P1 critical"), ("P2", "P2 high"), ("P3", "P3 medium"), ("P4", "P4 low")],
                max_length=2,
            ),
        ),
        migrations.AddField(
            model_name="clock",
            name="provider_time",
            field=models.DurationField(
                blank=True,
                help_text="Of the time used, how much we waited on providers (resolution clocks).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="clock",
            name="used",
            field=models.DurationField(blank=True, help_text="Business time used, once stopped.", null=True),
        ),
        migrations.AlterField(
            model_name="clock",
            name="paused_for",
            field=models.DurationField(
                default=datetime.timedelta(0),
                help_text="Business time not counted so far: closed pauses and time standing resolved.",
            ),
        ),
        migrations.AlterField(
            model_name="slaevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("started", "started"),
                    ("paused", "paused"),
                    ("resumed", "resumed"),
                    ("warned", "warning"),
                    ("breached", "breached"),
                    ("stopped", "stopped"),
                    ("reopened", "reopened"),
                    ("repaired", "recalculated"),
                ],
                max_length=12,
            ),
        ),
        AddIndexOnline(
            model_name="clock",
            index=models.Index(
                condition=models.Q(("breached_at__isnull", False), ("withdrawn", False)),
                fields=["subject_type", "breached_at", "kind", "subject_id"],
                name="sla_clock_counted_breaches",
            ),
        ),
        AddIndexOnline(
            model_name="clock",
            index=models.Index(
                condition=models.Q(("stopped_at__isnull", True)), fields=["calendar"], name="sla_clock_open_calendar"
            ),
        ),
        AddIndexOnline(
            model_name="clock",
            index=models.Index(
                condition=models.Q(("stopped_at__isnull", True)), fields=["policy"], name="sla_clock_open_policy"
            ),
        ),
        migrations.RunPython(merge_reopened_clocks, migrations.RunPython.noop, atomic=True),
        RemoveIndexOnline(model_name="clock", name="sla_clock_breached_tickets"),
        AddConstraintOnline(
            model_name="clock",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ("response", "resolution"))),
                fields=("subject_type", "subject_id", "kind"),
                name="sla_one_clock_per_target",
            ),
        ),
    ]
