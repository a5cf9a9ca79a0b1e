"""The breach sweep: set-based, so its cost does not grow with a query per clock.

Each state change (warned, breached) is two statements over the whole set that is due: an
INSERT ... SELECT of the events (dated at the deadline; the unique constraint on (clock, kind) makes a
second sweep add nothing) and one UPDATE of the clocks. Alerts then go out per calendar: only
calendars open now (a 24/7 calendar always is) release theirs, so nobody is woken at night for an
office-hours target; the rest wait, undelivered, for their next opening.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from sla.models import ALERT_KINDS, Calendar, Clock, EventKind, SlaEvent

ALERT_BATCH = 5_000


@dataclass(frozen=True)
class ScanResult:
    warned: int
    breached: int
    alerts_sent: int


def scan(now: datetime | None = None) -> ScanResult:
    """Mark warnings and breaches that have happened by `now`, then release alerts that may go out."""
    now = now or timezone.now()
    with transaction.atomic():
        # A clock already past its deadline gets its breach, not a late warning as well.
        warned = _mark(now, kind=EventKind.WARNED, instant="warn_at", flag="warned_at", not_yet_due=True)
        breached = _mark(now, kind=EventKind.BREACHED, instant="due_at", flag="breached_at")
    return ScanResult(warned=warned, breached=breached, alerts_sent=deliver_alerts(now))


def _mark(now: datetime, *, kind: str, instant: str, flag: str, not_yet_due: bool = False) -> int:
    """Record `kind` for running clocks whose `instant` has passed and mark them; returns events added."""
    clocks, events = Clock._meta.db_table, SlaEvent._meta.db_table
    quote = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    due = [
        f"{quote('stopped_at')} IS NULL",
        f"{quote('paused_at')} IS NULL",
        f"{quote(flag)} IS NULL",
        # A deadline passes only once the instant itself has gone: stopped at the deadline is met.
        f"{quote(instant)} {'<=' if not_yet_due else '<'} %s",
    ]
    params = [adapt(now)]
    if not_yet_due:
        due.append(f"{quote('due_at')} >= %s")
        params.append(adapt(now))
    where = " AND ".join(due)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(events)} ({quote('clock_id')}, {quote('kind')}, {quote('at')}, {quote('data')}, "  # noqa: S608 - names are ours, values are parameters
            f"{quote('created_at')}) "
            f"SELECT {quote('id')}, %s, {quote(instant)}, '{{}}', %s FROM {quote(clocks)} WHERE {where} "
            f"ON CONFLICT DO NOTHING",
            [kind, adapt(now), *params],
        )
        inserted = cursor.rowcount
    # Mark the clocks past the instant (so one already breached never warns later either). A breach is
    # marked only where its event exists: under READ COMMITTED a clock resumed between the two statements
    # must not end up flagged with no event (and so never be told).
    passed = f"{instant}__lte" if not_yet_due else f"{instant}__lt"
    marked = Clock.objects.filter(stopped_at=None, paused_at=None, **{f"{flag}__isnull": True, passed: now})
    if not not_yet_due:
        marked = marked.filter(Exists(SlaEvent.objects.filter(clock=OuterRef("pk"), kind=kind)))
    marked.update(**{flag: F(instant)})
    return inserted


def deliver_alerts(now: datetime, *, limit: int = ALERT_BATCH) -> int:
    """Send pending warnings and breaches whose calendar is open now, one digest per address.

    Breaches also go to the policy's escalation address. Returns how many events were released
    (those with no address are released silently).
    """
    from sla.tasks import send_alert_digest

    pending = SlaEvent.objects.filter(notified_at__isnull=True, kind__in=ALERT_KINDS)
    calendar_ids = set(pending.order_by().values_list("clock__calendar_id", flat=True).distinct())
    if not calendar_ids:
        return 0
    calendars = Calendar.objects.filter(pk__in=calendar_ids).prefetch_related("opening_hours", "closures")
    open_now = [c.pk for c in calendars if c.working_hours().is_always_open or c.working_hours().is_open(now)]
    by_address: dict[str, list[int]] = defaultdict(list)
    with transaction.atomic():
        # Locked and skipped by a concurrent sweep on PostgreSQL, so no alert goes out twice.
        batch = list(
            pending.filter(clock__calendar_id__in=open_now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("at")
            .values_list("pk", "kind", "clock__notify_email", "clock__escalate_email")[:limit]
        )
        for pk, kind, team, escalation in batch:
            for address in {team, escalation if kind == EventKind.BREACHED else ""} - {""}:
                by_address[address].append(pk)
        SlaEvent.objects.filter(pk__in=[row[0] for row in batch]).update(notified_at=now)
        for address, event_ids in by_address.items():
            transaction.on_commit(lambda a=address, ids=event_ids: send_alert_digest.enqueue(a, ids))
    return len(batch)
