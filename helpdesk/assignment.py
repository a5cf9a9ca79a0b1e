"""Who gets a ticket when its team gives out work itself (`Team.auto_assign`): each analyst in turn, or
the one with the least open work. Off (blank) by default: tickets then wait in the queue.

Members are taken in one stable order, by username then id, so "in turn" means the same to everyone
and ties in open work always go the same way. Inactive people (left, on leave with their login
switched off) are skipped.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q

from helpdesk import webhooks
from helpdesk.models import OPEN_STATES, AutoAssign, EventKind, State, Team, Ticket, User

STABLE_ORDER = ("username", "pk")


def pick_assignee(team: Team) -> User | None:
    """The analyst of `team` who gets its next ticket, or None when auto-assignment is off for the team
    or it has no active member.

    Round robin: the first active member after `team.last_assigned` in the stable order (from the start
    again after the last one); that place is moved on to them and saved. Least open: the active member
    with the fewest open tickets assigned to them in this team, ties by the stable order.

    The team's row is locked (select_for_update) for the rest of the caller's transaction, so of two
    tickets raised for the team at once the second waits and reads the place, or the work, the first
    left: round robin never gives both to the same person. Call it inside a transaction that also
    assigns the ticket (auto_assign does); on its own it opens one.
    """
    if not team.auto_assign:
        return None
    with transaction.atomic():
        locked = Team.objects.select_for_update().only("pk", "auto_assign", "last_assigned").get(pk=team.pk)
        if locked.auto_assign == AutoAssign.LEAST_OPEN:
            return _least_open(locked)
        if locked.auto_assign == AutoAssign.ROUND_ROBIN:
            chosen = _next_in_turn(locked)
            if chosen is not None:
                Team.objects.filter(pk=locked.pk).update(last_assigned=chosen)
                team.last_assigned = chosen
            return chosen
    return None


def _active_members(team: Team):
    return team.members.filter(is_active=True).order_by(*STABLE_ORDER)


def _next_in_turn(team: Team) -> User | None:
    members = list(_active_members(team))
    if not members:
        return None
    last = User.objects.filter(pk=team.last_assigned_id).values_list("username", "pk").first()
    if last is None:
        return members[0]
    # The place is a position in the order, not a person still in the team: whoever comes after the
    # last one given work, even if that one has left the team or been switched off since.
    return next((member for member in members if (member.username, member.pk) > last), members[0])


def _least_open(team: Team) -> User | None:
    open_here = Q(assigned_tickets__team=team, assigned_tickets__state__in=OPEN_STATES)
    return (
        _active_members(team)
        .annotate(open_work=Count("assigned_tickets", filter=open_here))
        .order_by("open_work", *STABLE_ORDER)
        .first()
    )


def auto_assign(ticket: Ticket, *, at: datetime) -> User | None:
    """Give `ticket`, just raised in or just moved to its team, to the analyst `pick_assignee` names, and
    return them (None, changing nothing, when the team does not give out work or has nobody to give it
    to). Call inside the caller's transaction, after the ticket is saved in its new team.

    The system does this, not a person: the history says to whom, with no actor (shown as the desk
    itself). The `Ticket.assign` transition's permission (an analyst of the team) is there to guard
    people, and the system is none, so the transition is taken here directly, as `close_unanswered`
    is taken by the system, rather than through `services.perform` with somebody's name lent to it
    (the team lead need not be a member, and would then appear to have given out the work). A new (or
    only assigned) ticket becomes assigned; work already started or waiting keeps its state and gets
    the assignee alone, as `services.assign` does.
    """
    if ticket.assignee_id is not None:
        return None
    chosen = pick_assignee(ticket.team)
    if chosen is None:
        return None
    if ticket.state in (State.NEW, State.ASSIGNED):
        source = ticket.state
        ticket.assign(by=None, to=chosen, at=at)  # logs who it was given to
        ticket.save(update_fields=["state", "assignee", "updated_at"])
        ticket.log(
            EventKind.STATE_CHANGED,
            by=None,
            at=at,
            **{"from": source, "to": ticket.state, "action": "assign", "comment": ""},
        )
    else:
        ticket.assignee = chosen
        ticket.save(update_fields=["assignee", "updated_at"])
        ticket.log(EventKind.ASSIGNED, by=None, at=at, to=chosen.pk, name=str(chosen))
    webhooks.assigned(ticket, at=at)
    return chosen
