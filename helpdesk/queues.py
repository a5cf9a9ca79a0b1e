"""How open work is judged at a glance: the service-level state of a ticket and the age bands of a backlog.

Plain values and functions, shared by the desk (rows and filters) and the managers' board.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _


def sla_state(*, due_at: datetime | None, warn_at: datetime | None, is_open: bool, now: datetime) -> str:
    """on_track, warning, breached, or paused (no clock counting) for an open ticket; done when closed."""
    if due_at is None:
        return "paused" if is_open else "done"
    if due_at <= now:
        return "breached"
    if warn_at is not None and warn_at <= now:
        return "warning"
    return "on_track"


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
