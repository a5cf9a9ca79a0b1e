"""The rules of a clock, written once: what happens to it (event kinds), why it is re-timed, its verdicts,
which intervals it does not count, and where its deadlines fall. sla/models/clocks.py applies them row
by row, sla/repair.py to whole sets; the README's "How a target is judged" says them in words.
"""

from __future__ import annotations

from collections.abc import Iterable
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
