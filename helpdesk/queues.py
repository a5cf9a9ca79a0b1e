"""How open work is judged at a glance: the service-level state of a ticket and the age bands of a backlog.

Plain values and functions, shared by the desk (rows and filters) and the managers' board.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.models.tickets import OPEN_STATES

# A ticket's service-level state, judged on the soonest deadline of its clocks still counting (due_at)
# and the soonest warning (warn_at). A deadline has passed only once its instant has gone: a ticket is
# breached strictly after due_at, as a clock is (sla/models/clocks.py). Written once as a function for
# one row and once as query conditions for sets; tests hold the two to the same answers.


def sla_state(*, due_at: datetime | None, warn_at: datetime | None, is_open: bool, now: datetime) -> str:
    """on_track, warning, breached, or paused (no clock counting) for an open ticket; done when closed."""
    if not is_open:
        return "done"
    if due_at is None:
        return "paused"
    if due_at < now:
        return "breached"
    if warn_at is not None and warn_at <= now:
        return "warning"
    return "on_track"


def past_due_q(now: datetime) -> Q:
    """The time rule of "breached", for rows already known to be open: the soonest deadline has passed."""
    return Q(due_at__lt=now)


def warning_q(now: datetime) -> Q:
    """The time rule of "at risk", for rows already known to be open: past the warning, not the deadline."""
    return Q(warn_at__lte=now, due_at__gte=now)


def breached_q(now: datetime) -> Q:
    """Open tickets whose soonest deadline has passed."""
    return Q(state__in=OPEN_STATES) & past_due_q(now)


def at_risk_q(now: datetime) -> Q:
    """Open tickets past their warning whose deadline has not passed yet."""
    return Q(state__in=OPEN_STATES) & warning_q(now)


def on_track_q(now: datetime) -> Q:
    return Q(state__in=OPEN_STATES, due_at__gte=now) & (Q(warn_at__isnull=True) | Q(warn_at__gt=now))


def paused_q() -> Q:
    """Open tickets with no clock counting (waiting on the requester, or nothing measured)."""
    return Q(state__in=OPEN_STATES, due_at__isnull=True)


SLA_STATE_Q = {"breached": breached_q, "warning": at_risk_q, "on_track": on_track_q}


@dataclass(frozen=True)
class AgeBand:
    """Open tickets raised at least `at_least` and less than `under` ago (no upper limit when None)."""

    key: str
    label: str
    at_least: timedelta
    under: timedelta | None


AGE_BANDS = [
    AgeBand("day", _("under a day"), timedelta(0), timedelta(days=1)),
    AgeBand("days", _("1-3 days"), timedelta(days=1), timedelta(days=3)),
    AgeBand("week", _("3-7 days"), timedelta(days=3), timedelta(days=7)),
    AgeBand("weeks", _("1-4 weeks"), timedelta(days=7), timedelta(days=28)),
    AgeBand("older", _("over 4 weeks"), timedelta(days=28), None),
]
