"""The one read of service-level verdicts on tickets: the board, the desk and every report use these.

Each ticket has at most one clock per target of ours (first response, resolution; a unique constraint),
and a reopen carries on the same clock, so a ticket has exactly one verdict per target once judged:

- **met**: stopped, never counting past its deadline (stopped at the deadline itself is met);
- **missed**: stopped after it breached, that is after counting past its deadline; the breach is dated
  at the deadline, never inside a pause;
- **withdrawn**: the work was cancelled; neither met nor missed, and its breach is not counted either.

A target still counting has no verdict yet. The rules themselves live with the clocks
(sla/models/clocks.py, `VERDICT_Q`); this module only says which clocks are the tickets' targets.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, Sum

from helpdesk.models import Ticket
from sla.models import VERDICT_Q, Clock, TargetKind, Verdict
from sla.models.querysets import ClockQuerySet


def percent(part, whole) -> int | None:
    """A share as a whole percentage, as every page shows one (None when there is nothing to share)."""
    return round(100 * part / whole) if whole else None


def ticket_targets() -> ClockQuerySet:
    """Every ticket's clocks of our targets: one per ticket and target."""
    return Clock.objects.our_targets_on(Ticket)


def target_verdicts(*, verdict: str | None = None, kind: str | None = None) -> ClockQuerySet:
    """Targets judged `verdict` (met, missed or withdrawn); with None, those judged met or missed, which
    compliance counts. Dated by `stopped_at`, when the verdict was reached."""
    clocks = ticket_targets()
    clocks = clocks.with_verdict(verdict) if verdict else clocks.verdicts()
    return clocks.filter(kind=kind) if kind else clocks


def target_breaches() -> ClockQuerySet:
    """Targets that breached, dated by `breached_at` (the deadline), cancelled work left out."""
    return ticket_targets().breaches()


def compliance(*, since: datetime, until: datetime) -> dict[str, dict]:
    """Per target kind, the verdicts reached in [since, until]: total judged, met, missed, percent met;
    and for resolutions, the business time used and the part of it spent waiting on providers (over the
    clocks that recorded it). One grouped query."""
    rows = (
        target_verdicts()
        .filter(stopped_at__gte=since, stopped_at__lte=until)
        .values("kind")
        .annotate(
            total=Count("*"),
            met=Count("kind", filter=VERDICT_Q[Verdict.MET]),
            used=Sum("used", filter=Q(provider_time__isnull=False)),
            provider=Sum("provider_time"),
        )
        .order_by()
    )
    counted = {row["kind"]: row for row in rows}
    figures = {}
    for kind in (TargetKind.RESPONSE, TargetKind.RESOLUTION):
        row = counted.get(kind, {})
        total, met = row.get("total", 0), row.get("met", 0)
        figures[kind] = {
            "kind": kind,
            "total": total,
            "met": met,
            "missed": total - met,
            "percent": percent(met, total),
            "used": row.get("used"),
            "provider": row.get("provider"),
        }
    return figures
