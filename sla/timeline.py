"""A clock explained in plain words, with times in the reader's own (active) time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from sla.models import Clock, EventKind


def business(duration: timedelta) -> str:
    """2 h 10 m; 3 d 4 h for long ones (days of 24 business hours are rare, hours are clearer)."""
    minutes = round(abs(duration).total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} m"
    return f"{hours} h" if hours else f"{minutes} m"


def when(moment: datetime) -> str:
    """Tue 24 Nov 14:00 Stockholm: in the reader's zone, named by its city."""
    local = timezone.localtime(moment)
    zone = str(timezone.get_current_timezone_name()).split("/")[-1].replace("_", " ")
    return f"{local:%a %d %b %H:%M} {zone}"


@dataclass(frozen=True)
class Entry:
    at: datetime
    text: str


def timeline(clock: Clock, now: datetime | None = None) -> list[Entry]:
    """What happened to the clock, oldest first, ending with where it stands now."""
    now = now or timezone.now()
    entries = []
    for event in clock.events.all():
        data = event.data or {}
        if event.kind == EventKind.STARTED:
            text = _("Started: %(target)s of business time allowed") % {"target": business(clock_target(data))}
        elif event.kind == EventKind.PAUSED:
            text = _("Paused: %(reason)s") % {"reason": data.get("reason") or _("no reason given")}
        elif event.kind == EventKind.RESUMED:
            text = _("Resumed after %(paused)s of business time paused") % {
                "paused": business(timedelta(seconds=data.get("paused", 0)))
            }
        elif event.kind == EventKind.WARNED:
            text = _("Warning: most of the time allowed is used")
        elif event.kind == EventKind.BREACHED:
            text = _("Breached: the deadline passed")
        elif event.kind == EventKind.STOPPED and data.get("withdrawn"):
            text = _("Stopped: the work was withdrawn, so it counts as neither met nor missed")
        elif event.kind == EventKind.STOPPED:
            margin = business(timedelta(seconds=data.get("margin", 0)))
            text = (_("Met with %(margin)s to spare") if data.get("met") else _("Breached by %(margin)s")) % {
                "margin": margin
            }
        else:
            text = _("Recalculated after a change of policy, priority or calendar")
        entries.append(Entry(event.at, f"{when(event.at)}: {text}"))
    if clock.stopped_at is None:
        remaining = clock.remaining(now)
        if clock.paused_at is not None and remaining < timedelta(0):
            status = _("Paused now; already overdue by %(late)s") % {"late": business(remaining)}
        elif clock.paused_at is not None:
            status = _("Paused now; %(left)s left when it resumes") % {"left": business(remaining)}
        elif clock.due_at > now:
            status = _("Due %(due)s (%(left)s of business time left)") % {
                "due": when(clock.due_at),
                "left": business(remaining),
            }
        else:
            status = _("Overdue since %(due)s") % {"due": when(clock.due_at)}
        entries.append(Entry(now, status))
    return entries


def clock_target(data: dict) -> timedelta:
    return timedelta(seconds=data.get("target", 0))
