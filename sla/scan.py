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

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.dispatch import Signal
from django.utils import timezone

from sla.models import ALERT_KINDS, Calendar, Clock, EventKind, SlaEvent

ALERT_BATCH = 5_000

# Sent inside the sweep's transaction with `digests` (a list of Digest): whoever sends mail writes them
# out there (sla/ sends no mail itself), and marks their events notified once the mail server accepts.
alerts_ready = Signal()


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
    """Write pending warnings and breaches whose calendar is open now into one digest per address.

    Breaches also go to the policy's escalation address. The digests are handed on with `alerts_ready`
    in the same transaction that marks the events queued, so they are written once; the events count as
    told when the mail server accepts their digest. Returns how many events were released (those with
    no address are released untold).
    """
    pending = SlaEvent.objects.filter(queued_at__isnull=True, kind__in=ALERT_KINDS)
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
        SlaEvent.objects.filter(pk__in=[row[0] for row in batch]).update(queued_at=now)
        if by_address:
            alerts_ready.send(sender=SlaEvent, digests=compose_digests(by_address))
    return len(batch)


@dataclass(frozen=True)
class Digest:
    address: str
    subject: str
    body: str
    event_ids: list[int]


def compose_digests(by_address: dict[str, list[int]]) -> list[Digest]:
    """One mail's text per address, listing its warnings and breaches; times in each calendar's zone."""
    ids = {pk for event_ids in by_address.values() for pk in event_ids}
    events = {
        e.pk: e
        for e in SlaEvent.objects.filter(pk__in=ids)
        .select_related("clock__calendar")
        .prefetch_related("clock__subject")
        .order_by("at", "pk")
    }
    digests = []
    for address, event_ids in by_address.items():
        listed = sorted((events[pk] for pk in event_ids if pk in events), key=lambda e: (e.at, e.pk))
        breaches = sum(e.kind == EventKind.BREACHED for e in listed)
        subject = f"[{settings.WAGTAIL_SITE_NAME}] {breaches} breached, {len(listed) - breaches} at risk"
        lines = []
        for event in listed:
            clock = event.clock
            with timezone.override(clock.calendar.time_zone):
                # A breach is dated at its deadline; the clock's deadline may have moved since.
                due = timezone.localtime(event.at if event.kind == EventKind.BREACHED else clock.due_at)
            what = "BREACHED" if event.kind == EventKind.BREACHED else "at risk"
            subject_text = str(clock.subject) if clock.subject_id else clock.label
            lines.append(
                f"- {what}: {subject_text} ({clock.label}), due {due:%a %d %b %H:%M} {clock.calendar.time_zone}"
            )
        digests.append(Digest(address, subject, "\n".join(lines), [e.pk for e in listed]))
    return digests
