"""Each ticket's facts for reports, brought up to date from the tickets that changed.

Tickets are found by `updated_at`: every write that changes what a report counts (a transition, a reply,
an assignment, a priority, a satisfaction answer) moves it. A ticket's facts are rebuilt whole, and the
days its old and new facts fall on are added up again (helpdesk/reports/rollup.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
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
from helpdesk.reports import bulk, rollup, steps
from helpdesk.reports.measures import DAY_FIELDS, JUDGED
from helpdesk.reports.periods import reporting_zone
from helpdesk.verdicts import ticket_targets
from sla.models import TargetKind

BATCH = 2000
REBUILD_BATCH = 10_000  # tickets a round when every fact is made anew
COLUMNS = tuple(field.attname for field in TicketFact._meta.concrete_fields)
# A change written in a transaction that began before the last look but committed after it still carries
# the earlier `updated_at`: each look goes back this far over what it has seen.
OVERLAP = timedelta(minutes=10)
# Things that end "first contact": the work went back and forth or to someone else.
NOT_FIRST_CONTACT = ("wait_on_requester", "wait_on_provider", "reopen")


def day_in(zone: ZoneInfo, moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(zone).date()


Among = Callable[[str], Q]  # which tickets, given the field that holds a ticket's id


def _among_ids(ids: list[int]) -> Among:
    return lambda field: Q(**{f"{field}__in": ids})


def _among_range(after: int, last: int) -> Among:
    return lambda field: Q(**{f"{field}__gt": after, f"{field}__lte": last})


def facts_for(among: Among, *, zone: ZoneInfo) -> list[dict]:
    """The facts of the tickets `among` selects as they are now, as dicts of COLUMNS (four queries)."""
    tickets = Ticket.objects.filter(among("pk")).values_list(
        *("id", "created_at", "resolved_at", "closed_at", "state", "service_id", "team_id", "assignee_id"),
        *("requester__division_id", "requester__grade_id", "requester__location_id", "requester__cost_centre_id"),
        *("cost_centre_id", "policy_id", "priority", "kind", "channel"),
    )
    verdicts: dict[int, dict[str, tuple]] = defaultdict(dict)
    clocks = ticket_targets().filter(among("subject_id")).annotate_verdict()
    for subject_id, kind, verdict, stopped_at, used in clocks.values_list(
        "subject_id", "kind", "verdict", "stopped_at", "used"
    ):
        if verdict in JUDGED:
            verdicts[subject_id][kind] = (verdict, stopped_at, used)
    events = TicketEvent.objects.filter(among("ticket_id")).filter(
        Q(kind=EventKind.MOVED) | Q(kind=EventKind.STATE_CHANGED, data__action__in=NOT_FIRST_CONTACT)
    )
    reopened, not_first = set(), set()
    for ticket_id, kind, action in events.values_list("ticket_id", "kind", "data__action"):
        not_first.add(ticket_id)
        if kind == EventKind.STATE_CHANGED and action == "reopen":
            reopened.add(ticket_id)
    scores = dict(Satisfaction.objects.filter(among("ticket_id")).values_list("ticket_id", "score"))
    finished_states = (State.RESOLVED, State.CLOSED)
    facts = []
    for (
        pk,
        created_at,
        resolved_at,
        closed_at,
        state,
        service_id,
        team_id,
        assignee_id,
        division_id,
        grade_id,
        location_id,
        own_cost_centre_id,
        cost_centre_id,
        policy_id,
        priority,
        kind,
        channel,
    ) in tickets:
        resolved = state in finished_states and resolved_at is not None
        finished_at = resolved_at if resolved else closed_at if state in (State.CANCELLED, State.REJECTED) else None
        fact = {
            "ticket_id": pk,
            "raised_on": day_in(zone, created_at),
            "resolved_on": day_in(zone, resolved_at) if resolved else None,
            "finished_on": day_in(zone, finished_at),
            "service_id": service_id,
            "team_id": team_id,
            "assignee_id": assignee_id,
            "division_id": division_id,
            "grade_id": grade_id,
            # Where the work was charged; the requester's own cost centre when it was not charged.
            "cost_centre_id": cost_centre_id or own_cost_centre_id,
            "location_id": location_id,
            "policy_id": policy_id,
            "priority": priority,
            "kind": kind,
            "channel": channel,
            "reopened": pk in reopened,
            "first_contact": resolved and pk not in not_first,
            "csat": scores.get(pk),
            "csat_asked": pk in scores,
        }
        for name, day_name in (("response", "responded_on"), ("resolution", "judged_on")):
            judged = verdicts[pk].get(TargetKind.RESPONSE if name == "response" else TargetKind.RESOLUTION)
            if judged is None:
                fact |= {f"{name}_verdict": "", f"{name}_time": None, f"{name}_step": None, day_name: None}
                continue
            verdict, stopped_at, used = judged
            seconds = int(used.total_seconds()) if used is not None else None
            fact |= {
                f"{name}_verdict": verdict,
                f"{name}_time": seconds,
                f"{name}_step": None if seconds is None else steps.step_of(seconds),
                day_name: day_in(zone, stopped_at),
            }
        facts.append(fact)
    return facts


def _insert(facts: list[dict]) -> None:
    bulk.insert(TicketFact, COLUMNS, ([fact[name] for name in COLUMNS] for fact in facts))


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
        new = facts_for(_among_ids(batch), zone=zone)
        dirty |= _days(new)
        old.delete()
        _insert(new)
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
    count = last = 0
    final = ids.last() or 0
    # Tickets by ranges of ids (a range scan on every table, not a list of ids to look up one by one).
    while last < final:
        ends = list(ids.filter(pk__gt=last)[REBUILD_BATCH - 1 : REBUILD_BATCH])
        end = ends[0] if ends else final
        facts = facts_for(_among_range(last, end), zone=zone)
        _insert(facts)
        count += len(facts)
        last = end
    rollup.rebuild_all()
    if connection.vendor == "postgresql":
        # Fresh statistics at once: until autovacuum comes by, the planner takes a slice's rows for one
        # and a report reads every breakdown's rows for its period (1.6x slower at a million tickets).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TicketFact._meta.db_table}, {DailyFigure._meta.db_table}")
    state.changes_seen_until, state.time_zone, state.refreshed_at = now, settings.REPORTING_TIME_ZONE, timezone.now()
    state.save()
    return {"rebuilt": True, "tickets": count}
