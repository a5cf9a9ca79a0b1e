"""The rules of a clock, written once: what happens to it (event kinds), why it is re-timed, its verdicts,
which intervals it does not count, and where its deadlines fall. sla/models/clocks.py applies them row
by row, sla/repair.py to whole sets; the README's "How a target is judged" says them in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sla.clock import WorkingHours
from sla.models.policies import TargetKind

ZERO = timedelta(0)


class EventKind(models.TextChoices):
    STARTED = "started", _("started")
    PAUSED = "paused", _("paused")
    RESUMED = "resumed", _("resumed")
    WARNED = "warned", _("warning")
    BREACHED = "breached", _("breached")
    STOPPED = "stopped", _("stopped")
    REOPENED = "reopened", _("reopened")
    REPAIRED = "repaired", _("recalculated")


class RepairReason(models.TextChoices):
    """Why a clock's deadline was recomputed (kept in the `repaired` event's data as "reason")."""

    PRIORITY = "priority", _("the priority changed")
    POLICY = "policy", _("the service-level policy changed")
    CALENDAR = "calendar", _("the opening hours or closures changed")


class Verdict(models.TextChoices):
    MET = "met", _("met")
    MISSED = "missed", _("missed")
    WITHDRAWN = "withdrawn", _("withdrawn")


ALERT_KINDS = (EventKind.WARNED, EventKind.BREACHED)

# The team's own targets; a provider's clock measures the supplier, not us.
OUR_TARGETS = (TargetKind.RESPONSE, TargetKind.RESOLUTION)

# The one definition of each verdict, as conditions on a clock row.
VERDICT_Q = {
    Verdict.MET: Q(stopped_at__isnull=False, withdrawn=False, breached_at__isnull=True),
    Verdict.MISSED: Q(stopped_at__isnull=False, withdrawn=False, breached_at__isnull=False),
    Verdict.WITHDRAWN: Q(stopped_at__isnull=False, withdrawn=True),
}


def warn_after_for(target: timedelta, warning_percent: int | None) -> timedelta | None:
    """Business time after which to warn: that share of the target (None: never warn)."""
    return target * warning_percent / 100 if warning_percent else None


def pause_intervals(history: Iterable[tuple[str, datetime]]) -> list[tuple[datetime, datetime]]:
    """The closed intervals in which a clock did not count, from its events (kind, at) oldest first:
    waiting (paused until resumed or stopped) and standing resolved (stopped until reopened). A pause
    still open, or a stop not reopened, is not included."""
    intervals, opened = [], None
    for kind, moment in history:
        if kind in (EventKind.RESUMED, EventKind.STOPPED, EventKind.REOPENED) and opened is not None:
            intervals.append((opened, moment))
        # A stop also opens a gap, which only a reopen closes.
        opened = moment if kind in (EventKind.PAUSED, EventKind.STOPPED) else None
    return intervals


HISTORY_KINDS = (EventKind.PAUSED, EventKind.RESUMED, EventKind.STOPPED, EventKind.REOPENED)


def deadlines(
    hours: WorkingHours,
    *,
    started_at: datetime,
    target: timedelta,
    warn_after: timedelta | None,
    paused_for: timedelta,
    not_before: datetime | None = None,
) -> tuple[datetime, datetime | None]:
    """(due_at, warn_at): the instants the time used reaches the target and the warning share, given the
    business time paused so far; the deadline never falls before `not_before` (when it began counting)."""
    due = hours.add(started_at, target + paused_for)
    if not_before is not None and due < not_before:
        due = not_before
    warn = hours.add(started_at, warn_after + paused_for) if warn_after else None
    return due, warn


def counting_stretches(
    started_at: datetime, history: Iterable[tuple[str, datetime]]
) -> tuple[list[tuple[datetime, datetime]], datetime | None]:
    """The stretches in which a clock counted, from its start and history: (those that ended, oldest
    first; when the stretch still counting began, or None while paused or stopped)."""
    stretches: list[tuple[datetime, datetime]] = []
    since: datetime | None = started_at
    for kind, moment in history:
        if kind in (EventKind.PAUSED, EventKind.STOPPED) and since is not None:
            stretches.append((since, moment))
            since = None
        elif kind in (EventKind.RESUMED, EventKind.REOPENED):
            since = moment
    return stretches, since


@dataclass(frozen=True)
class Retimed:
    """A clock re-timed by a change: what it has paused, its deadlines, and the breach the change reveals
    in a stretch of counting already over (None: none)."""

    paused_for: timedelta
    due_at: datetime
    warn_at: datetime | None
    breach: datetime | None


def retimed(
    hours: WorkingHours,
    *,
    started_at: datetime,
    history: Sequence[tuple[str, datetime]],
    target: timedelta,
    warn_after: timedelta | None,
    at: datetime,
) -> Retimed:
    """A clock's deadlines under new terms (calendar, target) from its whole history, the change made at
    `at`: the same however late the re-timing runs. The clock is late by the change no earlier than
    `at`, nor than the moment its current stretch of counting began; and if, counting after `at`, it
    used up the new target in a stretch that has since ended (paused, or stopped by a later reopen),
    it breached then: the first such instant."""
    paused_for = sum((hours.between(start, end) for start, end in pause_intervals(history)), ZERO)
    ended, since = counting_stretches(started_at, history)
    due_at, warn_at = deadlines(
        hours,
        started_at=started_at,
        target=target,
        warn_after=warn_after,
        paused_for=paused_for,
        not_before=max(at, since) if since is not None else at,
    )
    breach, used = None, ZERO
    for start, end in ended:
        reached = hours.add(start, target - used) if target > used else start
        moment = max(reached, at, start)
        if moment < end:  # it went on counting after the deadline, and after the change
            breach = moment
            break
        used += hours.between(start, end)
    return Retimed(paused_for, due_at, warn_at, breach)
