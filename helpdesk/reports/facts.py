"""Each ticket's facts for reports, brought up to date from the tickets that changed.

Tickets are found by `updated_at`: every write that changes what a report counts (a transition, a reply,
an assignment, a priority, a satisfaction answer) moves it. A ticket's facts are rebuilt whole, and the
days its old and new facts fall on are added up again (helpdesk/reports/rollup.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from helpdesk.models import (
    DailyFigure,
    EventKind,
    ReportState,
    Satisfaction,
    State,
    Ticket,
    TicketEvent,
    TicketFact,
)
from helpdesk.reports import rollup, steps
from helpdesk.reports.measures import DAY_FIELDS, JUDGED
from helpdesk.reports.periods import reporting_zone
from helpdesk.verdicts import ticket_targets
from sla.models import TargetKind

BATCH = 2000
# A change written in a transaction that began before the last look but committed after it still carries
# the earlier `updated_at`: each look goes back this far over what it has seen.
OVERLAP = timedelta(minutes=10)
# Things that end "first contact": the work went back and forth or to someone else.
NOT_FIRST_CONTACT = ("wait_on_requester", "wait_on_provider", "reopen")


def day_in(zone: ZoneInfo, moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(zone).date()


def facts_for(ids: list[int], *, zone: ZoneInfo) -> list[TicketFact]:
    """The facts of these tickets as they are now (four queries however many)."""
    tickets = Ticket.objects.filter(pk__in=ids).values(
        *("id", "created_at", "resolved_at", "closed_at", "state", "service_id", "team_id", "assignee_id"),
        *("requester__division_id", "requester__grade_id", "requester__location_id", "requester__cost_centre_id"),
        *("cost_centre_id", "policy_id", "priority", "kind", "channel"),
    )
    verdicts: dict[int, dict[str, tuple]] = defaultdict(dict)
    clocks = ticket_targets().filter(subject_id__in=ids).annotate_verdict()
    for subject_id, kind, verdict, stopped_at, used in clocks.values_list(
        "subject_id", "kind", "verdict", "stopped_at", "used"
    ):
        if verdict in JUDGED:
            verdicts[subject_id][kind] = (verdict, stopped_at, used)
    events = TicketEvent.objects.filter(ticket_id__in=ids).filter(
        Q(kind=EventKind.MOVED) | Q(kind=EventKind.STATE_CHANGED, data__action__in=NOT_FIRST_CONTACT)
    )
    reopened, not_first = set(), set()
    for ticket_id, kind, action in events.values_list("ticket_id", "kind", "data__action"):
        not_first.add(ticket_id)
        if kind == EventKind.STATE_CHANGED and action == "reopen":
            reopened.add(ticket_id)
    scores = dict(Satisfaction.objects.filter(ticket_id__in=ids).values_list("ticket_id", "score"))
    facts = []
    for row in tickets:
        pk = row["id"]
        resolved = row["state"] in (State.RESOLVED, State.CLOSED) and row["resolved_at"] is not None
        finished_at = row["resolved_at"] if resolved else row["closed_at"] if row["state"] == State.CANCELLED else None
        response = verdicts[pk].get(TargetKind.RESPONSE)
        resolution = verdicts[pk].get(TargetKind.RESOLUTION)
        fact = TicketFact(
            ticket_id=pk,
            raised_on=day_in(zone, row["created_at"]),
            resolved_on=day_in(zone, row["resolved_at"]) if resolved else None,
            finished_on=day_in(zone, finished_at),
            service_id=row["service_id"],
            team_id=row["team_id"],
            assignee_id=row["assignee_id"],
            division_id=row["requester__division_id"],
            grade_id=row["requester__grade_id"],
            # Where the work was charged; the requester's own cost centre when it was not charged.
            cost_centre_id=row["cost_centre_id"] or row["requester__cost_centre_id"],
            location_id=row["requester__location_id"],
            policy_id=row["policy_id"],
            priority=row["priority"],
            kind=row["kind"],
            channel=row["channel"],
            reopened=pk in reopened,
            first_contact=resolved and pk not in not_first,
            csat=scores.get(pk),
            csat_asked=pk in scores,
        )
        for name, judged in (("response", response), ("resolution", resolution)):
            if judged is None:
                continue
            verdict, stopped_at, used = judged
            seconds = int(used.total_seconds()) if used is not None else None
            setattr(fact, f"{name}_verdict", verdict)
            setattr(fact, f"{name}_time", seconds)
            setattr(fact, f"{name}_step", None if seconds is None else steps.step_of(seconds))
            setattr(fact, "responded_on" if name == "response" else "judged_on", day_in(zone, stopped_at))
        facts.append(fact)
    return facts


def _days(rows: Iterable[dict]) -> set[date]:
    return {row[name] for row in rows for name in DAY_FIELDS if row[name] is not None}


def update_facts(ids: Iterable[int], *, zone: ZoneInfo) -> set[date]:
    """Rebuild these tickets' facts; returns the days whose figures changed (old days and new)."""
    ids = list(ids)
    dirty: set[date] = set()
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        old = TicketFact.objects.filter(ticket_id__in=batch)
        dirty |= _days(old.values(*DAY_FIELDS))
        new = facts_for(batch, zone=zone)
        dirty |= _days({name: getattr(fact, name) for name in DAY_FIELDS} for fact in new)
        old.delete()
        TicketFact.objects.bulk_create(new, batch_size=BATCH)
    return dirty


def refresh(*, now: datetime | None = None) -> dict:
    """Bring the facts and daily figures up to date with every ticket changed since the last look (all of
    them the first time, or after the reporting zone changed). Returns what it did."""
    now = now or timezone.now()
    zone_name = settings.REPORTING_TIME_ZONE
    with transaction.atomic():
        state, _ = ReportState.objects.select_for_update().get_or_create(key="facts")
        if state.changes_seen_until is None or state.time_zone != zone_name:
            return _rebuild(state, now=now)
        changed = Ticket.objects.filter(updated_at__gte=state.changes_seen_until - OVERLAP)
        days = update_facts(changed.values_list("pk", flat=True).order_by(), zone=reporting_zone())
        rollup.recompute(sorted(days))
        state.changes_seen_until, state.refreshed_at = now, timezone.now()
        state.save()
    return {"rebuilt": False, "days": len(days)}


def rebuild(*, now: datetime | None = None) -> dict:
    """Every ticket's facts and every day's figures anew."""
    now = now or timezone.now()
    with transaction.atomic():
        state, _ = ReportState.objects.select_for_update().get_or_create(key="facts")
        return _rebuild(state, now=now)


def _rebuild(state: ReportState, *, now: datetime) -> dict:
    zone = reporting_zone()
    TicketFact.objects.all().delete()
    ids = Ticket.objects.order_by("pk").values_list("pk", flat=True)
    count = 0
    last = 0
    while True:
        batch = list(ids.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        TicketFact.objects.bulk_create(facts_for(batch, zone=zone), batch_size=BATCH)
        count += len(batch)
        last = batch[-1]
    rollup.rebuild_all()
    if connection.vendor == "postgresql":
        # Fresh statistics at once: until autovacuum comes by, the planner takes a slice's rows for one
        # and a report reads every breakdown's rows for its period (1.6x slower at a million tickets).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TicketFact._meta.db_table}, {DailyFigure._meta.db_table}")
    state.changes_seen_until, state.time_zone, state.refreshed_at = now, settings.REPORTING_TIME_ZONE, timezone.now()
    state.save()
    return {"rebuilt": True, "tickets": count}
