"""Tickets: incidents and requests, their lifecycle (django-fsm), history and conversation.

The transitions are declared once, here, with who may take them; the services in helpdesk/services.py
call them inside a transaction, and pages list the buttons from the same declarations.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from catalogue.models import RequestKind
from sla.models import OUR_TARGETS, Clock, Measured, Priority, TargetKind

# How much text a person may type, one limit per kind of text. The model fields carry them, so every
# ModelForm enforces them with a message; our plain forms use the same constants (helpdesk/forms.py).
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 20_000  # room for a long story and a pasted error log, not for a file
MESSAGE_LIMIT = 20_000  # a reply or an internal note
COMMENT_LIMIT = 5_000  # the words with a transition: a question, a resolution, a reason
SEARCH_LIMIT = 200  # a search box: a reference or a few words


class State(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for approval")
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_REQUESTER = "waiting_requester", _("Waiting on you")
    WAITING_PROVIDER = "waiting_provider", _("Waiting on a supplier")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Not approved")


# The labels above are the requester's words; where those would mislead the team, the team reads these.
TEAM_STATE_LABELS = {State.WAITING_REQUESTER: _("Waiting on the requester")}


def state_words(value: str, *, team: bool) -> str:
    """A stored state key in words for its reader: the team (`team=True`) or the requester. A key that is
    no longer a state (renamed since it was stored) reads as a plain word, never as the key."""
    try:
        state = State(value)
    except ValueError:
        return str(_("another state"))
    return str(TEAM_STATE_LABELS[state]) if team and state in TEAM_STATE_LABELS else str(state.label)


# A ticket's reference: its kind's prefix and its number (the primary key), six digits at least.
PREFIXES = {RequestKind.INCIDENT: "INC", RequestKind.REQUEST: "REQ"}


def reference_for(prefix: str, number: int) -> str:
    return f"{prefix}-{number:06d}"


OPEN_STATES = [State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.WAITING_REQUESTER, State.WAITING_PROVIDER]
WORKING_STATES = [State.ASSIGNED, State.IN_PROGRESS]
# Not finished, as the requester sees it: open for the team, or waiting for sign-off before that.
UNFINISHED_STATES = [State.AWAITING_APPROVAL, *OPEN_STATES]


class Channel(models.TextChoices):
    """How a ticket came in: the portal (a person's own form, or the catalogue's), or through an analyst
    who raised it for someone who mailed, phoned or walked in."""

    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    API = "api", _("Another system (API)")


class Level(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# Impact (how many people, how much harm) x urgency (how soon it hurts) -> priority. Documented in the README.
PRIORITY_MATRIX = {
    (Level.HIGH, Level.HIGH): Priority.P1,
    (Level.HIGH, Level.MEDIUM): Priority.P2,
    (Level.HIGH, Level.LOW): Priority.P3,
    (Level.MEDIUM, Level.HIGH): Priority.P2,
    (Level.MEDIUM, Level.MEDIUM): Priority.P3,
    (Level.MEDIUM, Level.LOW): Priority.P4,
    (Level.LOW, Level.HIGH): Priority.P3,
    (Level.LOW, Level.MEDIUM): Priority.P4,
    (Level.LOW, Level.LOW): Priority.P4,
}
PRIORITIES = list(Priority)  # most urgent first


def priority_for(impact: str, urgency: str, *, entitled_tier: bool = False) -> Priority:
    """The matrix's priority; an entitled (premium) requester is raised one step, never above P1."""
    priority = PRIORITY_MATRIX[(impact, urgency)]
    if entitled_tier:
        priority = PRIORITIES[max(PRIORITIES.index(priority) - 1, 0)]
    return priority


# -- who may take a transition: plain functions (ticket, user) -> bool --------------------------------


def is_team_analyst(ticket: Ticket, user) -> bool:
    """An analyst of the ticket's team, or a manager."""
    if not user.is_authenticated:
        return False
    return user.roles.manager or ticket.team_id in user.team_ids


def decided_by_approvers(ticket: Ticket, user) -> bool:
    """Never from the ticket's own buttons: an approver decides through helpdesk.approvals, which checks
    who may and records the decision with the transition."""
    return False


def is_requester_side(ticket: Ticket, user) -> bool:
    """The requester, whoever raised it for them, or an analyst acting for them."""
    if not user.is_authenticated:
        return False
    return user.pk in (ticket.requester_id, ticket.raised_by_id) or is_team_analyst(ticket, user)


# What a desk row shows, read as plain values: fifty model instances with four relations each would
# cost more than the rest of the page.
DESK_COLUMNS = (
    *("id", "reference", "title", "priority", "state", "due_at", "warn_at", "updated_at", "service_id"),
    *("team__name", "service__name", "due_calendar_id", "due_calendar__updated_at"),
    *(f"{person}__{name}" for person in ("assignee", "requester") for name in ("username", "first_name", "last_name")),
)


def _ticket_type() -> ContentType:
    return ContentType.objects.get_for_model(Ticket)


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user) -> TicketQuerySet:
        """The one rule for who may see a ticket: every list, page, download and report uses it.

        Managers see all; analysts see their teams' tickets; everyone sees what they asked for or raised.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.roles.manager:
            return self
        # People copied in read along: a subquery, so the OR stays one row per ticket.
        copied = Ticket.watchers.through.objects.filter(user_id=user.pk).values("ticket_id")
        mine = Q(requester=user) | Q(raised_by=user) | Q(pk__in=copied)
        if user.team_ids:
            mine |= Q(team_id__in=user.team_ids)
        return self.filter(mine)

    def in_queues_of(self, user) -> TicketQuerySet:
        """The queues a person works: their teams' tickets (all teams for managers).

        Always within visible_to(user), which lets analysts see their teams' tickets; not written as
        visible_to(user).filter(...), because its OR of requester and team misleads PostgreSQL's row
        estimates (a breached-P1 list went from an ordered index scan to sorting 10,000 rows).
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.roles.manager:
            return self.all()
        return self.filter(team_id__in=user.team_ids)

    def for_desk(self) -> TicketQuerySet:
        """What a desk row shows, as plain values (DESK_COLUMNS), for tickets already chosen and ordered."""
        return self.values(*DESK_COLUMNS)

    def touch(self) -> int:
        """Mark these tickets changed: the desk highlights them and reports look at them again."""
        return self.update(updated_at=timezone.now())

    def refresh_sla(self) -> int:
        """Copy onto these tickets the soonest deadline of their clocks of ours still counting (a breached
        clock's breach), with that clock's calendar, and the soonest warning; None where none counts. One
        UPDATE for the set; lock the rows first where a concurrent writer may change the clocks."""
        running = Clock.objects.running().ours().filter(subject_type=_ticket_type(), subject_id=OuterRef("pk"))
        # A clock that has breached stays breached: its breach, not a deadline a later change moved, is
        # what the desk and the board judge the ticket by.
        soonest = running.annotate(deadline=Coalesce("breached_at", "due_at")).order_by("deadline", "pk")
        return self.update(
            due_at=Subquery(soonest.values("deadline")[:1]),
            due_calendar_id=Subquery(soonest.values("calendar_id")[:1]),
            warn_at=Subquery(running.filter(warn_at__isnull=False).order_by("warn_at").values("warn_at")[:1]),
        )

    def for_portal(self) -> TicketQuerySet:
        return self.select_related("service__provider", "request_type", "team", "assignee")


class Ticket(ConcurrentTransitionMixin, Measured, models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    # Empty only between the insert and the update that numbers it; NULLs never clash under unique.
    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True, editable=False)  # noqa: DJ001
    title = models.CharField(_("summary"), max_length=TITLE_LIMIT)
    description = models.TextField(_("details"), blank=True, max_length=DESCRIPTION_LIMIT)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("requester")
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("service"),
    )
    request_type = models.ForeignKey(
        "catalogue.RequestType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("request type"),
    )
    submission = models.OneToOneField(
        "catalogue.Submission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket",
        verbose_name=_("request form"),
    )
    impact = models.CharField(_("impact"), max_length=6, choices=Level.choices, default=Level.MEDIUM)
    urgency = models.CharField(_("urgency"), max_length=6, choices=Level.choices, default=Level.MEDIUM)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, default=Priority.P3)
    channel = models.CharField(_("came in by"), max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    team = models.ForeignKey("helpdesk.Team", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("team"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    cost_centre = models.ForeignKey(
        "helpdesk.CostCentre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("cost centre"),
    )
    policy = models.ForeignKey(
        "sla.Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service-level policy"),
    )
    state = FSMField(_("state"), default=State.NEW, choices=State.choices, protected=True)
    resolution = models.TextField(_("resolution"), blank=True, max_length=COMMENT_LIMIT)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The soonest deadline (and warning) of the clocks still counting, kept here so queues sort and filter
    # on one indexed row; refresh_sla() keeps them in step whenever the clocks change.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    # The calendar of the clock whose deadline due_at is: the desk tells the business time left by it.
    due_calendar = models.ForeignKey(
        "sla.Calendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("calendar of the deadline"),
    )
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The team's own bookkeeping around the conversation (helpdesk/relations.py writes these).
    provider_reference = models.CharField(
        _("supplier's reference"), max_length=80, blank=True, help_text=_("The supplier's number for this case.")
    )
    major = models.BooleanField(
        _("major incident"), default=False, help_text=_("Many people are affected; the service status shows it.")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children", verbose_name=_("part of")
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged", verbose_name=_("merged into")
    )
    related = models.ManyToManyField("self", blank=True, verbose_name=_("related tickets"))
    problem = models.ForeignKey(
        "helpdesk.Problem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("problem"),
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="watched_tickets", verbose_name=_("copied in")
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requester", "-created_at"], name="ticket_requester_recent"),
            models.Index(fields=["raised_by", "-created_at"], name="ticket_raised_by_recent"),
            models.Index(fields=["team", "state", "-created_at"], name="ticket_team_state"),
            models.Index(fields=["state", "resolved_at"], name="ticket_state_resolved"),
            # The board's weekly counts: index-only range scans.
            models.Index(fields=["created_at"], name="ticket_created"),
            # Reports find the tickets changed since they last looked by this.
            models.Index(fields=["updated_at"], name="ticket_updated"),
            models.Index(fields=["resolved_at"], condition=Q(resolved_at__isnull=False), name="ticket_resolved"),
            # The board's open figures by team and service, read from the index alone.
            models.Index(
                fields=["team", "service", "due_at", "warn_at", "created_at"],
                condition=Q(state__in=OPEN_STATES),
                name="ticket_open_board",
            ),
            # The desk's default sort (soonest due first) over open tickets, for all teams and for one.
            models.Index(fields=["due_at", "id"], condition=Q(state__in=OPEN_STATES), name="ticket_open_due"),
            models.Index(
                fields=["team", "due_at", "id"], condition=Q(state__in=OPEN_STATES), name="ticket_open_team_due"
            ),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def reads_as_team(self, user) -> bool:
        """Whether `user` reads this ticket in the team's words: anyone but its requester and whoever
        raised it for them ("Waiting on the requester" rather than "Waiting on you")."""
        return user.pk not in (self.requester_id, self.raised_by_id)

    def state_for(self, user) -> str:
        return state_words(self.state, team=self.reads_as_team(user))

    def refresh_sla(self, *, started: list[Clock] | None = None, also: tuple[str, ...] = ()) -> None:
        """Copy the soonest deadline (with its clock's calendar) and the soonest warning of the running
        clocks onto the ticket (None when none runs): the same rule as TicketQuerySet.refresh_sla.

        `started`: the ticket has no clocks but these, just started (it is being raised). The rule is
        then applied to them in hand, and one UPDATE writes the result with the fields named in `also`
        (the new ticket's reference)."""
        if started is None:
            Ticket.objects.filter(pk=self.pk).refresh_sla()
            # Read as values: a partial refresh_from_db would read the protected state once more.
            self.due_at, self.warn_at, self.due_calendar_id = (
                Ticket.objects.filter(pk=self.pk).values_list("due_at", "warn_at", "due_calendar_id").get()
            )
            return
        counting = [clock for clock in started if clock.is_running and clock.kind in OUR_TARGETS]
        soonest = min(counting, key=lambda clock: (clock.breached_at or clock.due_at, clock.pk), default=None)
        self.due_at = None if soonest is None else soonest.breached_at or soonest.due_at
        self.due_calendar_id = None if soonest is None else soonest.calendar_id
        self.warn_at = min((clock.warn_at for clock in counting if clock.warn_at is not None), default=None)
        fields = ("due_at", "warn_at", "due_calendar_id", *also)
        Ticket.objects.filter(pk=self.pk).update(**{name: getattr(self, name) for name in fields})

    def log(self, kind: str, *, by, at: datetime, **data) -> TicketEvent:
        return self.events.create(kind=kind, actor=by, created_at=at, data=data)

    # -- transitions: source states, permission; side effects stay in services ------------------------

    @transition(
        field=state,
        source=[State.NEW, State.ASSIGNED, State.IN_PROGRESS],
        target=State.ASSIGNED,
        permission=is_team_analyst,
    )
    def assign(self, *, by, to, at: datetime) -> None:
        self.assignee = to
        self.log(EventKind.ASSIGNED, by=by, at=at, to=to.pk, name=str(to))

    @transition(field=state, source=[State.NEW, State.ASSIGNED], target=State.IN_PROGRESS, permission=is_team_analyst)
    def start(self, *, by, at: datetime) -> None:
        if self.assignee_id is None:
            self.assignee = by

    @transition(field=state, source=WORKING_STATES, target=State.WAITING_REQUESTER, permission=is_team_analyst)
    def wait_on_requester(self, *, by, at: datetime, question: str) -> None:
        self.pause_clocks(at=at, reason="waiting on the requester")

    @transition(field=state, source=[State.WAITING_REQUESTER], target=State.IN_PROGRESS, permission=is_requester_side)
    def requester_replied(self, *, by, at: datetime) -> None:
        self.resume_clocks(at=at)

    @transition(field=state, source=WORKING_STATES, target=State.WAITING_PROVIDER, permission=is_team_analyst)
    def wait_on_provider(self, *, by, at: datetime) -> None:
        provider = self.service.provider if self.service_id else None
        if provider is not None and provider.contract_target:
            self.start_provider_clock(
                at=at,
                provider=provider.name,
                target=provider.contract_target,
                calendar=provider.calendar or self.service.calendar,
                notify_email=self.team.email,
            )

    @transition(field=state, source=[State.WAITING_PROVIDER], target=State.IN_PROGRESS, permission=is_team_analyst)
    def provider_replied(self, *, by, at: datetime) -> None:
        self.stop_clocks(at=at, kinds=(TargetKind.PROVIDER,))

    @transition(
        field=state,
        source=[*WORKING_STATES, State.WAITING_REQUESTER, State.WAITING_PROVIDER],
        target=State.RESOLVED,
        permission=is_team_analyst,
    )
    def resolve(self, *, by, at: datetime, note: str) -> None:
        self.resolution = note
        self.resolved_at = at
        self.stop_clocks(at=at)

    @transition(field=state, source=[State.RESOLVED], target=State.IN_PROGRESS, permission=is_requester_side)
    def reopen(self, *, by, at: datetime, reason: str) -> None:
        self.resolved_at = None
        self.reopen_clocks(at=at)

    @transition(field=state, source=OPEN_STATES, target=RETURN_VALUE(*OPEN_STATES), permission=is_team_analyst)
    def move_to(self, *, by, team, at: datetime) -> State:
        """Hand the ticket to another team: it leaves the assignee's hands, its warnings and breaches go
        to the new team from now on, and work only assigned (not started) is new to them."""
        self.team, self.assignee = team, None
        self.notify_clocks(team.email)
        return State.NEW if self.state == State.ASSIGNED else self.state

    @transition(field=state, source=[State.RESOLVED], target=State.CLOSED, permission=is_requester_side)
    def confirm(self, *, by, at: datetime) -> None:
        self.closed_at = at

    @transition(field=state, source=[State.RESOLVED], target=State.CLOSED)
    def close_unanswered(self, *, by, at: datetime) -> None:
        """No permission: the system closes a resolution nobody answered in time."""
        self.closed_at = at

    @transition(field=state, source=OPEN_STATES, target=State.CLOSED, permission=is_team_analyst)
    def close_as_duplicate(self, *, by, at: datetime, into: Ticket) -> None:
        """The same need as `into`, which carries on: this one's clocks are withdrawn, not measured."""
        self.merged_into = into
        self.closed_at = at
        self.stop_clocks(at=at, withdrawn=True)

    @transition(field=state, source=[State.AWAITING_APPROVAL], target=State.NEW, permission=decided_by_approvers)
    def approve(self, *, by, at: datetime) -> None:
        """Signed off: the team's work, and its clocks, start now (helpdesk.approvals starts them)."""

    @transition(field=state, source=[State.AWAITING_APPROVAL], target=State.REJECTED, permission=decided_by_approvers)
    def not_approved(self, *, by, at: datetime, reason: str) -> None:
        self.closed_at = at

    @transition(
        field=state,
        source=[*OPEN_STATES, State.AWAITING_APPROVAL],
        target=State.CANCELLED,
        permission=is_requester_side,
    )
    def cancel(self, *, by, at: datetime, reason: str) -> None:
        self.closed_at = at
        self.stop_clocks(at=at, withdrawn=True)


class EventKind(models.TextChoices):
    CREATED = "created", _("raised")
    STATE_CHANGED = "state_changed", _("moved")
    ASSIGNED = "assigned", _("assigned")
    PRIORITY_CHANGED = "priority_changed", _("priority changed")
    MOVED = "moved", _("moved to another team")
    REPLY = "reply", _("replied")
    NOTE = "note", _("internal note")
    MERGED = "merged", _("merged into another ticket")
    MERGED_IN = "merged_in", _("a duplicate merged in")
    LINKED = "linked", _("linked")
    UNLINKED = "unlinked", _("unlinked")
    PARENT = "parent", _("made part of another ticket")
    MAJOR = "major", _("declared a major incident")
    WATCHER = "watcher", _("copied someone in")
    UNWATCHED = "unwatched", _("stopped copying someone in")
    PROVIDER_REF = "provider_ref", _("supplier's reference noted")
    APPROVAL_ASKED = "approval_asked", _("asked for approval")
    APPROVED = "approved", _("approved")
    NOT_APPROVED = "not_approved", _("not approved")


class TicketEvent(models.Model):
    """History with stable keys; labels are translated only when shown."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket"))
    kind = models.CharField(_("what happened"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_event_timeline")]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    """A reply to the requester, or an internal note that requesters never see."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("text"), max_length=MESSAGE_LIMIT)
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("created at"))
    # How it came: typed on the portal, mailed in (helpdesk/mail_in) or sent by another system (the API).
    via = models.CharField(_("came in by"), max_length=10, choices=Channel.choices, default=Channel.PORTAL)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{'Note' if self.internal else 'Reply'} by {self.author}"


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class Attachment(models.Model):
    """A file on a message, kept outside the public media folder and served only through a checked view."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("file"), storage=_private_storage, upload_to="tickets/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("file type"), max_length=100)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
