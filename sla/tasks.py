"""Background work for service levels: the periodic sweep, alert mail, re-timing after an edit."""

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from sla.models import EventKind, SlaEvent


@task()
def scan_task() -> dict[str, int]:
    from sla.scan import scan

    result = scan()
    return {"warned": result.warned, "breached": result.breached, "alerts_sent": result.alerts_sent}


@task()
def send_alert_digest(address: str, event_ids: list[int]) -> int:
    """One mail listing the warnings and breaches for one address; times in each calendar's zone."""
    events = list(
        SlaEvent.objects.filter(pk__in=event_ids)
        .select_related("clock__calendar")
        .prefetch_related("clock__subject")
        .order_by("at")
    )
    if not events:
        return 0
    breaches = sum(e.kind == EventKind.BREACHED for e in events)
    warnings = len(events) - breaches
    subject = f"[{settings.WAGTAIL_SITE_NAME}] {breaches} breached, {warnings} at risk"
    lines = []
    for event in events:
        clock = event.clock
        with timezone.override(clock.calendar.time_zone):
            # A breach is dated at its deadline; the clock's deadline may have moved since.
            due = timezone.localtime(event.at if event.kind == EventKind.BREACHED else clock.due_at)
        what = "BREACHED" if event.kind == EventKind.BREACHED else "at risk"
        subject_text = str(clock.subject) if clock.subject_id else clock.label
        lines.append(f"- {what}: {subject_text} ({clock.label}), due {due:%a %d %b %H:%M} {clock.calendar.time_zone}")
    send_mail(subject, "\n".join(lines), None, [address])
    return len(events)


@task()
def retime_calendar_task(calendar_id: int, at: str) -> int:
    """Re-time the clocks still counting on an edited calendar (`at`: the edit's moment, ISO 8601)."""
    from sla.repair import retime_calendar

    return retime_calendar(calendar_id, at=datetime.fromisoformat(at))


@task()
def retime_policy_task(policy_id: int, at: str) -> int:
    """Re-time the clocks of ours still counting under an edited policy (`at`: the edit's moment)."""
    from sla.repair import retime_policy

    return retime_policy(policy_id, at=datetime.fromisoformat(at))
