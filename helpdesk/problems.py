"""Problems: the one cause behind many incidents. An analyst opens one (from an incident or on its own),
links the incidents it explains, marks the cause known with a workaround (a known error, shown to the team
on each incident's page), and resolves it: every open incident it explains is then resolved with the
problem's resolution, through the ticket's own machine, so each requester gets the usual resolution mail
(one per incident) and the satisfaction question.

Each write is atomic and leaves a line in the history of every incident it touches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk import services
from helpdesk.models import EventKind, Problem, Ticket, is_team_analyst
from helpdesk.models.tickets import OPEN_STATES
from helpdesk.services import Refused

TITLE_LIMIT = Problem._meta.get_field("title").max_length
TEXT_LIMIT = Problem._meta.get_field("cause").max_length


def may_work(user) -> bool:
    """Analysts and managers see and work problems."""
    return user.is_authenticated and (user.roles.analyst or user.roles.manager)


def listing() -> QuerySet[Problem]:
    """The problems page: each with its team, owner and incident counts, in one query."""
    return Problem.objects.select_related("team", "owner").annotate(
        incident_count=Count("incidents", distinct=True),
        open_count=Count("incidents", filter=Q(incidents__state__in=OPEN_STATES), distinct=True),
    )


def _may_work(user) -> None:
    if not may_work(user):
        raise Refused(_("Only analysts and managers work on problems."))


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Refused(_("Please say %(what)s first.") % {"what": what}, status=400)
    if len(value) > TEXT_LIMIT:
        raise Refused(_("Please say it in fewer words."), status=400)
    return value


def _not_resolved(problem: Problem) -> None:
    if problem.status == Problem.Status.RESOLVED:
        raise Refused(_("This problem is resolved already."), status=409)


def _lock(problem: Problem) -> None:
    """Lock the problem's row and take its status as the last writer left it."""
    fresh = Problem.objects.select_for_update().values("status").get(pk=problem.pk)
    problem.status = fresh["status"]


def open_problem(*, title: str, by, incident: Ticket | None = None, at: datetime | None = None) -> Problem:
    """Open a problem owned by `by`, for the incident's team (or `by`'s first team), and link `incident`
    to it. Refused unless `by` is an analyst or manager (and of the incident's team, given one)."""
    at = at or timezone.now()
    _may_work(by)
    title = (title or "").strip()
    if not title:
        raise Refused(_("Please give the problem a title."), status=400)
    if len(title) > TITLE_LIMIT:
        raise Refused(_("Please give the problem a shorter title."), status=400)
    if incident is not None and not is_team_analyst(incident, by):
        raise Refused(_("Only the ticket's team can open a problem from it."))
    team_id = incident.team_id if incident is not None else min(by.team_ids, default=None)
    with transaction.atomic():
        problem = Problem.objects.create(title=title, team_id=team_id, owner=by, created_at=at)
        if incident is not None:
            link(incident, problem, by=by, at=at)
    return problem


def link(incident: Ticket, problem: Problem, *, by, at: datetime | None = None) -> Ticket:
    """Say that `problem` is the cause of `incident` (an incident belongs to one problem at a time: linking
    it to another moves it). Refused unless `by` is of the incident's team, the incident is open and the
    problem not resolved."""
    at = at or timezone.now()
    _may_work(by)
    if not is_team_analyst(incident, by):
        raise Refused(_("Only the ticket's team can link it to a problem."))
    if not incident.is_open:
        raise Refused(_("%(ref)s is finished, so that can't be done now.") % {"ref": incident.reference}, status=409)
    if incident.problem_id == problem.pk:
        return incident
    with transaction.atomic():
        _lock(problem)
        _not_resolved(problem)
        Ticket.objects.filter(pk=incident.pk).update(problem=problem, updated_at=timezone.now())
        incident.problem = problem
        incident.log(EventKind.LINKED, by=by, at=at, problem=problem.pk, title=problem.title)
    return incident


def unlink(incident: Ticket, *, by, at: datetime | None = None) -> Ticket:
    """Say that the incident's problem is not its cause after all."""
    at = at or timezone.now()
    _may_work(by)
    if not is_team_analyst(incident, by):
        raise Refused(_("Only the ticket's team can change its problem."))
    if incident.problem_id is None:
        return incident
    with transaction.atomic():
        problem = Problem.objects.only("title").get(pk=incident.problem_id)
        Ticket.objects.filter(pk=incident.pk).update(problem=None, updated_at=timezone.now())
        incident.problem = None
        incident.log(EventKind.UNLINKED, by=by, at=at, problem=problem.pk, title=problem.title)
    return incident


def mark_known_error(problem: Problem, *, by, cause: str, workaround: str = "") -> Problem:
    """The cause is known (a known error): record it and, if there is one, the workaround the team can
    offer meanwhile. May be said again to correct them. Refused once the problem is resolved."""
    _may_work(by)
    cause = _text(cause, _("what the cause is"))
    workaround = (workaround or "").strip()
    if len(workaround) > TEXT_LIMIT:
        raise Refused(_("Please say it in fewer words."), status=400)
    with transaction.atomic():
        _lock(problem)
        _not_resolved(problem)
        problem.cause, problem.workaround, problem.status = cause, workaround, Problem.Status.KNOWN_ERROR
        problem.save(update_fields=["cause", "workaround", "status"])
    return problem


@dataclass
class Resolved:
    problem: Problem
    resolved: list[str] = field(default_factory=list)  # incidents resolved with it, their requesters told
    left: list[str] = field(default_factory=list)  # open incidents `by` may not resolve (another team's)


def resolve(problem: Problem, *, by, resolution: str, at: datetime | None = None) -> Resolved:
    """Resolve the problem with `resolution`, and with it every open incident it explains that `by` may
    resolve: each through services.perform (started first if work had not started), so its requester gets
    the resolution mail once and is asked how satisfied they are. Incidents of teams `by` is not in stay
    open and are returned in `left`. One transaction; refused (409) when resolved already."""
    at = at or timezone.now()
    _may_work(by)
    resolution = _text(resolution, _("what fixed it"))
    outcome = Resolved(problem)
    with transaction.atomic():
        _lock(problem)
        _not_resolved(problem)
        problem.status, problem.resolution, problem.resolved_at = Problem.Status.RESOLVED, resolution, at
        problem.save(update_fields=["status", "resolution", "resolved_at"])
        outcome.resolved, outcome.left = services.resolve_together(
            problem.incidents.all(), by=by, at=at, text=resolution
        )
    return outcome
