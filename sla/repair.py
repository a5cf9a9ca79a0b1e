"""Re-timing after a calendar or a policy changed: every clock still counting on it, set-based.

An edit to a calendar (hours, holidays, closures) or to a policy (its calendar, warning share,
targets) would otherwise leave the stored deadlines where they were while "time left" is reckoned on
the edited rules. `calendar_changed` and `policy_changed` enqueue the repair with the edit (it runs once that commits);
the task re-times the clocks in batches, each batch a few statements whatever its size:

- one SELECT of the batch's clocks (locked on PostgreSQL, so a pause, resume or stop waits for it and
  one that came first is seen; a clock stopped meanwhile drops out of the batch),
- one SELECT of all their pause history,
- the deadlines computed in Python on the compiled calendar, by the rules `Clock.repair` uses
  (`retimed`, `warn_after_for`), so both give the same clock,
- one UPDATE of the fields that changed (`bulk_update`; on PostgreSQL from arrays, as its CASE per
  row costs the batch's size squared) and one `bulk_create` of a `repaired` event per clock whose
  deadline, warning, target or calendar moved.

Stopped clocks are never touched, so finished verdicts stay. A breach already recorded stays, and one
that passed before the change but no sweep has recorded yet is recorded at its deadline. After
each batch `clocks_retimed` tells whoever copies deadlines (the helpdesk's tickets) what moved.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils import timezone

from config.tasks import enqueue_with_change
from sla.clock import WorkingHours
from sla.models import Calendar, Clock, Policy, RepairReason, SlaEvent
from sla.models.calendars import compiled
from sla.models.clocks import repaired_data
from sla.models.rules import HISTORY_KINDS, OUR_TARGETS, EventKind, retimed, warn_after_for
from sla.tasks import retime_calendar_task, retime_policy_task

BATCH_SIZE = 2_000

# Sent (sender=Clock) after each batch of re-timed clocks has committed, outside its transaction:
#   subject_ids_by_type: dict[int, set[int]], content type id -> ids of the things whose clocks moved
#   reason: a RepairReason value; at: the moment of the change.
# Whoever copies a clock's deadline onto its subject (helpdesk tickets) connects here; sla knows no
# receiver. Outside the batch's transaction, so a receiver locking its own rows never waits on clock
# rows held in the opposite order by a transition (which locks the ticket first, then its clocks).
clocks_retimed = Signal()

# What a clock row needs for re-timing; the rest stays deferred.
_COLUMNS = (
    *("id", "subject_type_id", "subject_id", "kind", "priority", "policy_id", "calendar_id", "target"),
    *("warn_after", "pausable", "started_at", "due_at", "warn_at", "paused_at", "paused_for"),
    *("warned_at", "breached_at"),
)


@dataclass(frozen=True)
class Terms:
    """What a clock is to be timed by: the calendar (id and compiled hours), the target, the warning
    point and whether it pauses (None: keep the clock's)."""

    calendar_id: int
    hours: WorkingHours
    target: timedelta
    warn_after: timedelta | None
    pausable: bool | None = None


# -- on an edit ------------------------------------------------------------------------------------------


def calendar_changed(calendar: Calendar, *, at: datetime | None = None) -> None:
    """Re-time every clock still counting on `calendar` in the background (enqueued with the edit).
    `at` (default now) is the moment of the change: a running clock the change makes late is due then."""
    moment = (at or timezone.now()).isoformat()
    enqueue_with_change(retime_calendar_task, calendar.pk, moment)


def policy_changed(policy: Policy, *, at: datetime | None = None) -> None:
    """Re-time every clock of ours still counting under `policy`, by its targets now, in the background
    (enqueued with the edit)."""
    moment = (at or timezone.now()).isoformat()
    enqueue_with_change(retime_policy_task, policy.pk, moment)


def clocks_moved_by(calendar: Calendar | None = None, policy: Policy | None = None) -> int:
    """How many things (open tickets) have clocks of ours still counting that an edit to `calendar` or
    `policy` would re-time (both given: those of both). One COUNT query."""
    if calendar is None and policy is None:
        raise TypeError("clocks_moved_by() needs a calendar or a policy")
    clocks = Clock.objects.ours().filter(stopped_at__isnull=True, subject_id__isnull=False)
    if calendar is not None:
        clocks = clocks.filter(calendar=calendar)
    if policy is not None:
        clocks = clocks.filter(policy=policy)
    return clocks.order_by().values("subject_type_id", "subject_id").distinct().count()


def calendar_timing(calendar: Calendar) -> tuple:
    """What of a calendar decides deadlines (zone, week, public holidays, closed days), comparable before
    and after an edit: a new name, description or closure reason moves nothing."""
    return (
        calendar.time_zone,
        calendar.holiday_country.upper(),
        calendar.holiday_subdivision.upper(),
        sorted((row.weekday, row.opens, row.closes) for row in calendar.opening_hours.all()),
        sorted({day for closure in calendar.closures.all() for day in closure.days()}),
    )


def policy_timing(policy: Policy) -> tuple:
    """What of a policy decides its clocks' deadlines (calendar, warning share, targets), comparable
    before and after an edit."""
    return (
        policy.calendar_id,
        policy.warning_percent,
        sorted((t.priority, t.kind, t.duration, t.calendar_id, t.pauses_while_waiting) for t in policy.targets.all()),
    )


# -- the repair (what the tasks run) ------------------------------------------------------------------------


def retime_calendar(calendar_id: int, *, at: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Re-time every running and paused clock on the calendar, keeping its target and warning point.
    Returns how many clocks changed; 0 when the calendar is gone."""
    calendar = Calendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        return 0
    hours = compiled([calendar])[calendar.pk]

    def terms(clock: Clock) -> Terms:
        return Terms(calendar_id=calendar.pk, hours=hours, target=clock.target, warn_after=clock.warn_after)

    clocks = Clock.objects.filter(calendar_id=calendar.pk)
    return retime(clocks, terms, at=at, reason=RepairReason.CALENDAR, batch_size=batch_size)


def retime_policy(policy_id: int, *, at: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Re-time every running and paused clock of ours under the policy by its target for the clock's
    priority and kind now (calendar, duration, warning share, pausing); a clock whose target the policy
    no longer sets is left as it is. Returns how many clocks changed; 0 when the policy is gone."""
    policy = Policy.objects.filter(pk=policy_id).prefetch_related("targets").first()
    if policy is None:
        return 0
    targets = {(t.priority, t.kind): t for t in policy.targets.all()}
    calendar_ids = {policy.calendar_id, *(t.calendar_id for t in targets.values() if t.calendar_id)}
    hours = compiled(Calendar.objects.filter(pk__in=calendar_ids))

    def terms(clock: Clock) -> Terms | None:
        target = targets.get((clock.priority, clock.kind))
        if target is None:
            return None
        calendar_id = target.calendar_id or policy.calendar_id
        return Terms(
            calendar_id=calendar_id,
            hours=hours[calendar_id],
            target=target.duration,
            warn_after=warn_after_for(target.duration, policy.warning_percent),
            pausable=target.pauses_while_waiting,
        )

    clocks = Clock.objects.filter(policy_id=policy.pk, kind__in=OUR_TARGETS)
    return retime(clocks, terms, at=at, reason=RepairReason.POLICY, batch_size=batch_size)


def retime(
    clocks: QuerySet[Clock],
    terms: Callable[[Clock], Terms | None],
    *,
    at: datetime,
    reason: str,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Re-time the unstopped clocks of `clocks` by `terms(clock)` (None: leave it), in batches of
    `batch_size`, each in its own transaction. Returns how many clocks changed."""
    open_clocks = clocks.filter(stopped_at__isnull=True).only(*_COLUMNS).order_by("pk")
    after, changed = 0, 0
    while True:
        moved, after, done = _retime_next(open_clocks, terms, after=after, at=at, reason=reason, size=batch_size)
        if done:
            break
        changed += len(moved)
        if moved:
            clocks_retimed.send(sender=Clock, subject_ids_by_type=_subjects(moved), reason=reason, at=at)
    return changed


BATCH_TRIES = 5


def _retime_next(
    open_clocks: QuerySet[Clock],
    terms: Callable[[Clock], Terms | None],
    *,
    after: int,
    at: datetime,
    reason: str,
    size: int,
) -> tuple[list[Clock], int, bool]:
    """Re-time the next batch after id `after` in its own transaction: (clocks changed, last id, done).
    A batch that loses a deadlock to a concurrent writer, or its connection, is rolled back and tried
    again (up to BATCH_TRIES times), so one unlucky moment does not leave the rest of the clocks as
    they were."""
    for attempt in range(1, BATCH_TRIES + 1):
        try:
            with transaction.atomic():
                batch = open_clocks.filter(pk__gt=after)
                if connection.features.has_select_for_update:
                    # Wait for, never skip, a clock being paused or stopped; stopped meanwhile, it drops out.
                    batch = batch.select_for_update()
                batch = list(batch[:size])
                if not batch:
                    return [], after, True
                return _retime_batch(batch, terms, at=at, reason=reason), batch[-1].pk, False
        except OperationalError:
            if attempt == BATCH_TRIES:
                raise
            connection.close_if_unusable_or_obsolete()
            time.sleep(0.1 * attempt)
    raise AssertionError("unreachable")


def _retime_batch(
    batch: list[Clock], terms: Callable[[Clock], Terms | None], *, at: datetime, reason: str
) -> list[Clock]:
    """Recompute the batch as `Clock.repair` would, write what changed; returns the clocks changed."""
    history = _histories(clock.pk for clock in batch)
    changed, fields, events = [], set(), []
    for clock in batch:
        new = terms(clock)
        if new is None:
            continue
        before = {"target": clock.target.total_seconds(), "calendar": clock.calendar_id, "due": clock.due_at}
        old = {name: getattr(clock, name) for name in _UPDATED}
        passed = clock.passed_before(at)[1] if clock.paused_at is None else []
        timed = retimed(
            new.hours,
            started_at=clock.started_at,
            history=history.get(clock.pk, ()),
            target=new.target,
            warn_after=new.warn_after,
            at=at,
        )
        if timed.breach is not None and clock.breached_at is None:
            clock.breached_at = timed.breach
            passed.append(SlaEvent(clock=clock, kind=EventKind.BREACHED, at=timed.breach))
        clock.calendar_id, clock.target, clock.warn_after = new.calendar_id, new.target, new.warn_after
        clock.paused_for, clock.due_at, clock.warn_at = timed.paused_for, timed.due_at, timed.warn_at
        if new.pausable is not None:
            clock.pausable = new.pausable
        moved = [name for name in _UPDATED if getattr(clock, name) != old[name]]
        if not moved:
            continue
        changed.append(clock)
        fields.update(moved)
        events += passed
        if _TELLING.intersection(moved):
            events.append(
                SlaEvent(clock=clock, kind=EventKind.REPAIRED, at=at, data=repaired_data(reason, before, clock))
            )
    if changed:
        _update(changed, sorted(fields))
        # A sweep at the same moment may have recorded the same breach: once per clock, as there.
        SlaEvent.objects.bulk_create(events, ignore_conflicts=True)
    return changed


# The fields a re-timing may change, and those whose change the history records (a new pausing rule
# or a re-measured pause alone moves no deadline the team sees).
_UPDATED = (
    *("calendar_id", "target", "warn_after", "pausable", "paused_for", "due_at", "warn_at"),
    *("warned_at", "breached_at"),
)
_TELLING = {"calendar_id", "target", "due_at", "warn_at"}


def _update(clocks: list[Clock], names: list[str]) -> None:
    """Write `names` of the clocks in one statement: `bulk_update`, or on PostgreSQL an UPDATE ... FROM
    unnest(arrays), whose cost grows with the rows rather than their square (bulk_update's CASE WHEN
    compares each row with every id in the batch)."""
    if connection.vendor != "postgresql":
        Clock.objects.bulk_update(clocks, names)
        return
    quote = connection.ops.quote_name
    fields = [Clock._meta.get_field(name) for name in names]
    pk = Clock._meta.pk
    columns = [quote(field.column) for field in (pk, *fields)]
    types = [pk.rel_db_type(connection), *(field.db_type(connection) for field in fields)]
    values = [[clock.pk for clock in clocks]]
    values += [
        [field.get_db_prep_save(getattr(clock, field.attname), connection) for clock in clocks] for field in fields
    ]
    table = quote(Clock._meta.db_table)
    sets = ", ".join(f"{column} = v.{column}" for column in columns[1:])
    arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({', '.join(columns)}) "  # noqa: S608 - names are ours, values are parameters
            f"WHERE {table}.{columns[0]} = v.{columns[0]}",
            values,
        )


def _histories(clock_ids: Iterable[int]) -> dict[int, list[tuple[str, datetime]]]:
    """Each clock's pause history, (kind, at) oldest first as `Clock.history` orders it: one query."""
    rows = (
        SlaEvent.objects.filter(clock_id__in=list(clock_ids), kind__in=HISTORY_KINDS)
        .order_by("clock_id", "at", "pk")
        .values_list("clock_id", "kind", "at")
    )
    return {pk: [(kind, moment) for _, kind, moment in group] for pk, group in groupby(rows, key=lambda r: r[0])}


def _subjects(clocks: Iterable[Clock]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for clock in clocks:
        if clock.subject_type_id is not None and clock.subject_id is not None:
            found[clock.subject_type_id].add(clock.subject_id)
    return dict(found)
