"""The improvement register: what the service means to make better, where each came from (a poor
satisfaction answer followed up, recurring incidents behind a problem, a staff survey comment, a staff
suggestion), who owns it, when it is due and how far it is. Anyone logged in may suggest one; analysts
and managers register, list and move them on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk import satisfaction
from helpdesk.models import FollowUp, Improvement, Problem, Team, Ticket, User
from helpdesk.services import Refused

TITLE_LIMIT = Improvement._meta.get_field("title").max_length
TEXT_LIMIT = Improvement._meta.get_field("description").max_length
FINISHED = (Improvement.Status.DONE, Improvement.Status.DROPPED)


def may_register(user) -> bool:
    """Analysts and managers list and work the register; everyone else may only suggest."""
    return user.is_authenticated and (user.roles.analyst or user.roles.manager)


def listing() -> QuerySet[Improvement]:
    """The register's page: each with its owner, team and ticket count, in one query."""
    return Improvement.objects.select_related("owner", "team", "problem").annotate(ticket_count=Count("tickets"))


def _words(title: str, description: str) -> tuple[str, str]:
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise Refused(_("Please give the improvement a title."), status=400)
    if len(title) > TITLE_LIMIT or len(description) > TEXT_LIMIT:
        raise Refused(_("Please say it in fewer words."), status=400)
    return title, description


def _create(
    *,
    title: str,
    description: str,
    source: str,
    owner: User | None = None,
    team: Team | None = None,
    due_on: date | None = None,
    follow_up: FollowUp | None = None,
    problem: Problem | None = None,
    tickets: Iterable[Ticket] | QuerySet[Ticket] = (),
    at: datetime | None = None,
) -> Improvement:
    title, description = _words(title, description)
    with transaction.atomic():
        improvement = Improvement.objects.create(
            title=title,
            description=description,
            source=source,
            owner=owner,
            team=team,
            due_on=due_on,
            follow_up=follow_up,
            problem=problem,
            created_at=at or timezone.now(),
        )
        improvement.tickets.set(tickets)
    return improvement


def suggest(*, by: User, title: str, description: str = "", at: datetime | None = None) -> Improvement:
    """A staff suggestion, proposed and unowned until an analyst or manager takes it on."""
    if not by.is_authenticated:
        raise Refused(_("Please log in to suggest an improvement."))
    return _create(title=title, description=description, source=Improvement.Source.SUGGESTION, at=at)


def from_follow_up(
    follow_up: FollowUp, *, by: User, title: str, description: str = "", at: datetime | None = None
) -> Improvement:
    """Close the loop on a poor satisfaction answer: an improvement owned by `by`, for the follow-up's team,
    tied to the follow-up and its ticket. Refused unless `by` may close the follow-up (its team's lead or a
    manager)."""
    if not satisfaction.may_close(follow_up, by):
        raise Refused(_("Only the team's lead or a manager can do that."))
    return _create(
        title=title,
        description=description,
        source=Improvement.Source.FOLLOW_UP,
        owner=by,
        team=follow_up.team,
        follow_up=follow_up,
        tickets=[follow_up.satisfaction.ticket],
        at=at,
    )


def from_problem(
    problem: Problem, *, by: User, title: str, description: str = "", at: datetime | None = None
) -> Improvement:
    """Recurring incidents: an improvement owned by `by`, for the problem's team, tied to the problem and
    every incident it explains."""
    if not may_register(by):
        raise Refused(_("Only analysts and managers can do that."))
    return _create(
        title=title,
        description=description,
        source=Improvement.Source.RECURRING,
        owner=by,
        team=problem.team,
        problem=problem,
        tickets=problem.incidents.all(),
        at=at,
    )


def from_survey(*, by: User, title: str, description: str = "", at: datetime | None = None) -> Improvement:
    """A staff survey comment taken up by a manager (answers are anonymous: nothing ties it to a person)."""
    if not (by.is_authenticated and by.roles.manager):
        raise Refused(_("Only managers can do that."))
    return _create(title=title, description=description, source=Improvement.Source.SURVEY, owner=by, at=at)


def update(
    improvement: Improvement,
    *,
    by: User,
    status: str,
    owner: User | None,
    due_on: date | None,
    team: Team | None = None,
    at: datetime | None = None,
) -> Improvement:
    """Move an improvement on: its status, owner, team and due date. Done stamps when it was done; going
    back from done clears it. Refused unless `by` is an analyst or manager."""
    if not may_register(by):
        raise Refused(_("Only analysts and managers can do that."))
    if status not in Improvement.Status.values:
        raise Refused(_("Choose a status."), status=400)
    at = at or timezone.now()
    with transaction.atomic():
        fresh = Improvement.objects.select_for_update().values("status", "done_at").get(pk=improvement.pk)
        improvement.status, improvement.owner, improvement.due_on, improvement.team = status, owner, due_on, team
        if status == Improvement.Status.DONE:
            improvement.done_at = fresh["done_at"] if fresh["status"] == status else at
        else:
            improvement.done_at = None
        improvement.save(update_fields=["status", "owner", "due_on", "team", "done_at"])
    return improvement


def add_ticket(improvement: Improvement, ticket: Ticket, *, by: User) -> Improvement:
    """Tie a ticket `by` may see to the improvement (tying it twice changes nothing)."""
    if not may_register(by):
        raise Refused(_("Only analysts and managers can do that."))
    if not Ticket.objects.visible_to(by).filter(pk=ticket.pk).exists():
        raise Refused(_("There is no ticket %(ref)s that you can see.") % {"ref": ticket.reference}, status=400)
    improvement.tickets.add(ticket)
    return improvement
