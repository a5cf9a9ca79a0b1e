"""Writes on tickets: raise, move through the lifecycle, converse. Each is atomic; mail goes after commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from catalogue.entitlement import Offer
from catalogue.forms import RequestForm
from catalogue.models import RequestKind, RequestType, Service, Submission
from catalogue.services import record_submission, saved_files
from helpdesk import assignment, handoff, notifications, satisfaction, webhooks
from helpdesk.models import (
    OPEN_STATES,
    Attachment,
    Channel,
    EventKind,
    Level,
    Message,
    State,
    Team,
    Ticket,
    is_requester_side,
    is_team_analyst,
    priority_for,
)
from helpdesk.models.tickets import PREFIXES, reference_for
from helpdesk.people import may_ask_for
from sla.models import Policy, Priority, RepairReason, TargetKind
from sla.tiers import Tier

# Transitions a person may post by name from a ticket page; the rest (assign, the system's close) are
# taken through their own services.
POSTABLE = {
    "start",
    "wait_on_requester",
    "requester_replied",
    "wait_on_provider",
    "provider_replied",
    "resolve",
    "reopen",
    "confirm",
    "cancel",
}
TRANSITION_FIELDS = ["state", "assignee", "resolution", "resolved_at", "closed_at", "updated_at"]
# What each transition needs from the person, passed as keyword arguments.
NEEDS_TEXT = {"wait_on_requester": "question", "resolve": "note", "reopen": "reason", "cancel": "reason"}


class Refused(Exception):
    """A request we will not carry out; `status` is the HTTP status to answer with (403, 409, 400)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def default_team() -> Team:
    team = Team.objects.filter(slug=settings.DEFAULT_TEAM_SLUG).first() or Team.objects.order_by("pk").first()
    if team is None:
        raise Refused(_("No team exists to take tickets yet."), status=400)
    return team


def _policy_for(service: Service | None, requester) -> Tier[Policy]:
    """The requester's tier of the service's policy (or of the default): the premium tier when their
    grade reaches it, by the same rule the catalogue quotes with. A None policy: nothing is measured."""
    base = (service.policy if service and service.policy_id else None) or Policy.default()
    if base is None:
        return Tier(None, False)
    return base.tier(requester.grade.level if requester.grade_id else None)


def raise_ticket(
    *,
    kind: str,
    title: str,
    requester,
    raised_by,
    description: str = "",
    service: Service | None = None,
    submission: Submission | None = None,
    impact: str = Level.MEDIUM,
    urgency: str = Level.MEDIUM,
    at: datetime | None = None,
    notify: bool = True,
    tier: Tier[Policy] | None = None,
    channel: str = Channel.PORTAL,
    team: Team | None = None,
) -> Ticket:
    """Create a ticket with its reference, history and running SLA clocks; tell people after commit
    (unless `notify` is off, for imports and demo data). It goes to `team` when given (mail to a team's
    address), else to the service's owner, else to the default team.

    `tier` is the policy and premium step already quoted to the requester; without it, the requester's
    tier of the service's policy now. Raises Refused when `raised_by` may not ask for `requester`
    (helpdesk.people.may_ask_for).
    """
    at = at or timezone.now()
    if not may_ask_for(raised_by, requester):
        raise Refused(_("You may ask only for yourself and for the people who report to you."))
    from helpdesk import approvals

    approvers = approvals.needed(submission, requester) if submission is not None else []
    if channel not in Channel.values:
        raise Refused(_("That is not a way a ticket can come in."), status=400)
    team = team or (service.owner_team if service else default_team())
    policy, premium = tier or _policy_for(service, requester)
    priority = priority_for(impact, urgency, entitled_tier=premium)
    # No savepoint inside a caller's transaction (asking through the catalogue): a failure undoes the
    # caller's work too, as that caller wants.
    with transaction.atomic(savepoint=False):
        ticket = Ticket.objects.create(
            kind=kind,
            title=title,
            description=description,
            requester=requester,
            raised_by=raised_by,
            service=service,
            request_type=submission.request_type if submission else None,
            submission=submission,
            impact=impact,
            urgency=urgency,
            priority=priority,
            channel=channel,
            team=team,
            cost_centre_id=requester.cost_centre_id,
            policy=policy,
            created_at=at,
            **({"state": State.AWAITING_APPROVAL} if approvers else {}),
        )
        # The primary key is unique under any concurrency, so the reference made from it is too.
        ticket.reference = reference_for(PREFIXES[kind], ticket.pk)
        ticket.log(
            EventKind.CREATED,
            by=raised_by,
            at=at,
            priority=priority,
            on_behalf=requester.pk != raised_by.pk,
            channel=channel,
        )
        if approvers:  # signed off first: no clock runs and no team sees it until then
            Ticket.objects.filter(pk=ticket.pk).update(reference=ticket.reference)
            approvals.ask(ticket, approvers, by=raised_by, at=at, notify=notify)
        else:
            set_going(ticket, at=at, notify=notify, also=("reference",))
        webhooks.queue(webhooks.Event.TICKET_CREATED, ticket, at=at, kind=kind, channel=channel)
    return ticket


def set_going(ticket: Ticket, *, at: datetime, notify: bool = True, also: tuple[str, ...] = ()) -> None:
    """The team's work begins (raised, or signed off): its clocks start at `at` under its policy and
    priority, the work is given out when the team does that itself, and the requester and team are told.
    Inside the caller's transaction; `also`: fields of the ticket written with its deadlines."""
    clocks = []
    if ticket.policy_id is not None:
        clocks = ticket.start_clocks(
            policy=ticket.policy, priority=ticket.priority, at=at, notify_email=ticket.team.email
        )
    # One UPDATE puts the clocks' soonest deadline on the ticket (and numbers a new one).
    ticket.refresh_sla(started=clocks, also=also)
    assignment.auto_assign(ticket, at=at)  # when the team gives out its work itself
    if notify:
        notifications.ticket_raised(ticket, clocks)


def _must_be_open(ticket: Ticket) -> None:
    if not ticket.is_open:
        raise Refused(
            _("This ticket is %(state)s, so that can't be done now.") % {"state": ticket.get_state_display()},
            status=409,
        )


def perform(
    ticket: Ticket,
    action: str,
    *,
    by,
    at: datetime | None = None,
    text: str = "",
    notify: bool = True,
    **kwargs,
) -> Ticket:
    """Take a lifecycle transition as `by`: allowed by the machine and by its permission, or Refused.

    A concurrent change to the same ticket makes the later one lose with a 409, changing nothing.
    """
    at = at or timezone.now()
    if action not in {t.name for t in ticket.get_all_state_transitions()}:
        raise Refused(_("That is not something you can do to a ticket."), status=400)
    method = getattr(ticket, action)
    if not can_proceed(method):
        raise Refused(
            _("This ticket is %(state)s, so that can't be done now.") % {"state": ticket.state_for(by)},
            status=409,
        )
    if not has_transition_perm(method, by):
        raise Refused(_("You can't do that to this ticket."))
    if action in NEEDS_TEXT:
        if not text.strip():
            raise Refused(_("Please say a few words first."), status=400)
        kwargs[NEEDS_TEXT[action]] = text
    source = ticket.state
    try:
        with transaction.atomic():
            lock(ticket)
            if not has_transition_perm(method, by):  # the ticket may have moved teams meanwhile
                raise Refused(_("You can't do that to this ticket."))
            method(by=by, at=at, **kwargs)
            ticket.save(update_fields=TRANSITION_FIELDS)
            if source == State.AWAITING_APPROVAL:  # withdrawn while it waited: nobody need decide now
                from helpdesk import approvals

                approvals.withdrawn(ticket)
            handed = handoff.hand_over(ticket, at=at) if action == "wait_on_provider" and notify else {}
            ticket.log(
                EventKind.STATE_CHANGED,
                by=by,
                at=at,
                **{"from": source, "to": ticket.state, "action": action, "comment": text, **handed},
            )
            webhooks.transition(ticket, action=action, source=source, at=at)
            if action == "wait_on_requester":
                question = _add_message(ticket, author=by, body=text, internal=False, at=at)
                webhooks.message_added(question)
                if notify:
                    notifications.message_added(question)
            if action == "resolve":
                # The satisfaction question, asked (again) with this resolution; the mail carries its links.
                satisfaction.ask(ticket, by=by, at=at)
            ticket.refresh_sla()
            if notify:
                notifications.ticket_moved(ticket, action)
    except ConcurrentTransition:
        raise Refused(
            _("Someone else changed this ticket a moment ago. Reload it to see what changed."), status=409
        ) from None
    if action == "resolve":
        resolve_children(ticket, by=by, at=at, text=text, notify=notify)
    return ticket


def resolve_together(
    tickets: QuerySet[Ticket], *, by, at: datetime, text: str, notify: bool = True
) -> tuple[list[str], list[str]]:
    """Resolve each open ticket of `tickets` with `text`, each in its own savepoint (work not started is
    started first, by `by`), so each requester gets the resolution mail. Returns the references resolved
    and those `by` could not resolve (another team's, or changed meanwhile), which stay open. Used for a
    parent's parts and for a problem's incidents."""
    resolved, left = [], []
    for ticket in tickets.filter(state__in=OPEN_STATES).select_related("team", "service", "requester").order_by("pk"):
        try:
            with transaction.atomic():
                if ticket.state in (State.NEW, State.ASSIGNED):
                    perform(ticket, "start", by=by, at=at, notify=False)
                perform(ticket, "resolve", by=by, at=at, text=text, notify=notify)
        except Refused:
            left.append(ticket.reference)
        else:
            resolved.append(ticket.reference)
    return resolved, left


def resolve_children(parent: Ticket, *, by, at: datetime, text: str, notify: bool = True) -> list[str]:
    """Resolve the open parts of `parent` with its resolution (resolve_together); returns those left open,
    which keep their parent named on them."""
    return resolve_together(parent.children.all(), by=by, at=at, text=text, notify=notify)[1]


def reply(
    ticket: Ticket,
    *,
    by,
    body: str,
    internal: bool = False,
    files: Sequence[UploadedFile] = (),
    at: datetime | None = None,
    notify: bool = True,
    via: str = Channel.PORTAL,
) -> Message:
    """Add a reply (or an internal note, for analysts), come `via` the portal, mail or the API. The first
    public reply from the team stops the first-response clock; a reply from the requester while we wait
    on them resumes the ticket."""
    at = at or timezone.now()
    analyst = is_team_analyst(ticket, by)
    if internal and not analyst:
        raise Refused(_("Only the team can add internal notes."))
    if not (analyst or is_requester_side(ticket, by)):
        raise Refused(_("You can't reply to this ticket."))
    if not ticket.is_open and ticket.state != State.RESOLVED:
        raise Refused(_("This ticket is closed. Raise a new one if you still need help."), status=409)
    with transaction.atomic():
        first_response_at = lock(ticket)["first_response_at"]  # as the last writer left it
        message = _add_message(ticket, author=by, body=body, internal=internal, at=at, files=files, via=via)
        if not internal and analyst and by.pk != ticket.requester_id and first_response_at is None:
            Ticket.objects.filter(pk=ticket.pk).update(first_response_at=at, updated_at=timezone.now())
            ticket.first_response_at = at
            ticket.stop_clocks(at=at, kinds=(TargetKind.RESPONSE,))
            ticket.refresh_sla()
        answers_us = by.pk in (ticket.requester_id, ticket.raised_by_id)
        if not internal and answers_us and ticket.state == State.WAITING_REQUESTER:
            perform(ticket, "requester_replied", by=by, at=at, notify=notify)
        webhooks.message_added(message)  # public replies only
        if notify:
            notifications.message_added(message)
    return message


def lock(ticket: Ticket) -> dict:
    """Lock the ticket's row before its clocks are touched, so every writer takes the ticket first and
    its clocks after (one order: no deadlock between a transition and a reply), and return the fields
    decisions depend on as the last writer left them (the caller's copy may be older)."""
    fresh = Ticket.objects.select_for_update().values("state", *_FRESH).get(pk=ticket.pk)
    # Fields other writers change without a transition are taken as they are now, so a save from this
    # copy never puts back an old assignee or team; the state stays the copy's, for the optimistic lock.
    for name in _FRESH:
        setattr(ticket, name, fresh[name])
    return fresh


_FRESH = ("first_response_at", "priority", "assignee_id", "team_id")


def _add_message(
    ticket: Ticket,
    *,
    author,
    body: str,
    internal: bool,
    at: datetime,
    files: Sequence[UploadedFile] = (),
    via: str = Channel.PORTAL,
) -> Message:
    message = Message.objects.create(ticket=ticket, author=author, body=body, internal=internal, created_at=at, via=via)
    attach_files(message, files)
    ticket.log(EventKind.NOTE if internal else EventKind.REPLY, by=author, at=at, message=message.pk)
    Ticket.objects.filter(pk=ticket.pk).touch()  # every activity is a change
    return message


def attach_files(message: Message, files: Sequence[UploadedFile]) -> None:
    for upload in files:
        Attachment.objects.create(
            message=message,
            file=upload,
            name=upload.name[:200],
            size=upload.size,
            content_type=getattr(upload, "content_type", "") or "application/octet-stream",
        )


def raise_from_submission(
    submission: Submission,
    *,
    premium: bool | None = None,
    at: datetime | None = None,
    channel: str = Channel.PORTAL,
) -> Ticket:
    """The ticket for a catalogue request: its kind, service, answers and policy come from the submission
    (the policy quoted and recorded there, whatever the service's policy is by now).

    `premium` says whether that quote was the premium tier (`Offer.premium`); when not given, it is the
    requester's tier now, from the same rule.
    """
    request_type = submission.request_type
    incident = request_type.kind == RequestKind.INCIDENT
    if premium is None:
        premium = _policy_for(request_type.service, submission.requester).premium
    return raise_ticket(
        kind=request_type.kind,
        title=request_type.name,
        requester=submission.requester,
        raised_by=submission.raised_by,
        service=request_type.service,
        submission=submission,
        impact=Level.MEDIUM,
        urgency=Level.HIGH if incident else Level.LOW,
        at=at,
        tier=Tier(submission.policy, premium),
        channel=channel,
    )


def ask_for(
    *,
    request_type: RequestType,
    requester,
    raised_by,
    form: RequestForm,
    offer: Offer,
    at: datetime | None = None,
    channel: str = Channel.PORTAL,
) -> Ticket:
    """Record a catalogue request and raise its ticket in one transaction, both under `offer`: the offer
    for `requester` on `request_type`, worked out once for the request (the page showed the same one).

    Raises NotEntitled when the offer does not admit the requester, Refused when `raised_by` may not ask
    for them. When anything fails, nothing is left: no submission, no ticket, no uploaded files.
    """
    with saved_files(form) as files, transaction.atomic():
        submission = record_submission(
            request_type=request_type, requester=requester, raised_by=raised_by, form=form, offer=offer, files=files
        )
        return raise_from_submission(submission, premium=offer.premium, at=at, channel=channel)


def close_unanswered(*, now: datetime | None = None) -> int:
    """Close resolutions nobody confirmed or reopened within TICKET_AUTO_CLOSE_DAYS. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(days=settings.TICKET_AUTO_CLOSE_DAYS)
    closed = 0
    for ticket in Ticket.objects.filter(state=State.RESOLVED, resolved_at__lte=cutoff).select_related("team")[:500]:
        try:
            perform(ticket, "close_unanswered", by=None, at=now)
        except Refused:
            continue  # someone confirmed or reopened it meanwhile
        closed += 1
    return closed


def take(ticket: Ticket, *, by, at: datetime | None = None) -> Ticket:
    """Claim a ticket for yourself. Only one analyst can: if someone took it a moment ago, Refused (409)."""
    at = at or timezone.now()
    _must_be_open(ticket)
    if not is_team_analyst(ticket, by):
        raise Refused(_("Only the ticket's team can take it."))
    with transaction.atomic():
        # The claim is the conditional update itself: of two people taking at once, one row changes.
        claimed = Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(
            assignee=by, updated_at=timezone.now()
        )
        if not claimed:
            holder = Ticket.objects.filter(pk=ticket.pk).values_list("assignee__username", flat=True).first()
            raise Refused(_("%(who)s took this ticket a moment ago.") % {"who": holder or _("Someone")}, status=409)
        ticket.assignee = by
        ticket.log(EventKind.ASSIGNED, by=by, at=at, to=by.pk, name=str(by))
        webhooks.assigned(ticket, at=at)
        if ticket.state in (State.NEW, State.ASSIGNED):
            fresh = Ticket.objects.get(pk=ticket.pk)
            perform(fresh, "start", by=by, at=at, notify=False)
            ticket.refresh_from_db()
    return ticket


def assign(ticket: Ticket, *, by, to, at: datetime | None = None, notify: bool = True) -> Ticket:
    """Give the ticket to an analyst of its team (work already started stays started)."""
    _must_be_open(ticket)
    if not ticket.team.members.filter(pk=to.pk).exists():
        raise Refused(_("%(who)s is not in %(team)s.") % {"who": to, "team": ticket.team}, status=400)
    if ticket.state in (State.NEW, State.ASSIGNED):
        return perform(ticket, "assign", by=by, at=at, to=to, notify=notify)
    if not is_team_analyst(ticket, by):
        raise Refused(_("Only the ticket's team can assign it."))
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(assignee=to, updated_at=timezone.now())
        ticket.assignee = to
        ticket.log(EventKind.ASSIGNED, by=by, at=at or timezone.now(), to=to.pk, name=str(to))
        webhooks.assigned(ticket, at=at or timezone.now())
    return ticket


def change_priority(ticket: Ticket, *, by, priority: str, at: datetime | None = None) -> Ticket:
    """A new priority re-times the clocks still counting from their own history (time used and paused
    kept, a reopened resolution clock included). The ticket's row is locked first, so of two changes at
    once the later one reads the priority the earlier one wrote and the history never skips a step."""
    at = at or timezone.now()
    _must_be_open(ticket)
    if not is_team_analyst(ticket, by):
        raise Refused(_("Only the ticket's team can change its priority."))
    if priority not in Priority.values:
        raise Refused(_("Choose a priority from P1 to P4."), status=400)
    with transaction.atomic():
        current = lock(ticket)
        before = current["priority"]
        if current["state"] not in OPEN_STATES:
            raise Refused(_("This ticket is closed now, so its priority stays."), status=409)
        if not is_team_analyst(ticket, by):  # the ticket may have moved teams meanwhile
            raise Refused(_("Only the ticket's team can change its priority."))
        if priority == before:
            return ticket
        Ticket.objects.filter(pk=ticket.pk).update(priority=priority, updated_at=timezone.now())
        ticket.priority = priority
        if ticket.policy_id:
            ticket.repair_clocks(policy=ticket.policy, priority=priority, at=at, reason=RepairReason.PRIORITY)
            ticket.refresh_sla()
        ticket.log(EventKind.PRIORITY_CHANGED, by=by, at=at, **{"from": before, "to": priority})
        webhooks.queue(webhooks.Event.TICKET_PRIORITY_CHANGED, ticket, at=at, **{"from": before, "to": priority})
    return ticket


def move_team(ticket: Ticket, *, by, team: Team, at: datetime | None = None) -> Ticket:
    """Hand the ticket to another team (the machine's `move_to`): it leaves the current assignee's hands
    and its warnings and breaches go to the new team. Refused (409) when someone changed it meanwhile."""
    at = at or timezone.now()
    _must_be_open(ticket)
    if not has_transition_perm(ticket.move_to, by):
        raise Refused(_("Only the ticket's team can move it."))
    source = ticket.state
    try:
        with transaction.atomic():
            lock(ticket)
            if team.pk == ticket.team_id:
                return ticket
            if not has_transition_perm(ticket.move_to, by):  # it may have moved teams meanwhile
                raise Refused(_("Only the ticket's team can move it."))
            before = ticket.team.name
            ticket.move_to(by=by, team=team, at=at)
            ticket.save(update_fields=[*TRANSITION_FIELDS, "team"])
            ticket.log(EventKind.MOVED, by=by, at=at, **{"from": before, "to": team.name})
            webhooks.queue(webhooks.Event.TICKET_MOVED, ticket, at=at, **{"from": before, "to": team.name})
            if ticket.state != source:
                ticket.log(
                    EventKind.STATE_CHANGED,
                    by=by,
                    at=at,
                    **{"from": source, "to": ticket.state, "action": "move", "comment": ""},
                )
            assignment.auto_assign(ticket, at=at)  # the new team's rule, if it has one
    except ConcurrentTransition:
        raise Refused(
            _("Someone else changed this ticket a moment ago. Reload it to see what changed."), status=409
        ) from None
    return ticket


def bulk(tickets: Sequence[Ticket], *, by, op: str, to=None, team: Team | None = None) -> tuple[int, list[str]]:
    """Assign or move many tickets; each is its own transaction. Returns (done, problems in plain words)."""
    done, problems = 0, []
    for ticket in tickets:
        try:
            if op == "assign":
                assign(ticket, by=by, to=to)
            elif op == "move":
                move_team(ticket, by=by, team=team)
            else:
                raise Refused(_("Choose what to do with the tickets."), status=400)
            done += 1
        except Refused as refused:
            problems.append(f"{ticket.reference}: {refused.message}")
    return done, problems


def hand_back(ticket: Ticket, *, leaver, by, at: datetime) -> bool:
    """Take `ticket` out of `leaver`'s hands and give it back to its team's queue through the machine's
    `move_to` (work only assigned becomes new; work started stays started), logging who left. Returns
    False, changing nothing, when it is no longer theirs or no longer open.

    move_team's recipe with the team kept: row locked first, optimistic state lock, history in stable keys
    (the reason "left" and the leaver's id, worded by helpdesk/history.py).
    """
    source = ticket.state
    try:
        with transaction.atomic():
            fresh = lock(ticket)
            if fresh["assignee_id"] != leaver.pk or fresh["state"] not in OPEN_STATES:
                return False
            team = ticket.team
            ticket.move_to(by=by, team=team, at=at)
            ticket.save(update_fields=TRANSITION_FIELDS)
            # "Assigned to <team>": back in the team's queue; the reason and the leaver kept as keys.
            ticket.log(EventKind.ASSIGNED, by=by, at=at, to=None, name=team.name, reason="left", person=leaver.pk)
            if ticket.state != source:
                ticket.log(
                    EventKind.STATE_CHANGED,
                    by=by,
                    at=at,
                    **{"from": source, "to": ticket.state, "action": "hand_back", "comment": ""},
                )
    except ConcurrentTransition:
        raise Refused(
            _("Ticket %(ref)s changed while it was being handed back; run the import again.")
            % {"ref": ticket.reference},
            status=409,
        ) from None
    return True
