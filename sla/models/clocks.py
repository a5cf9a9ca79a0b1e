"""Clocks on things being served: one row per target (first response, resolution, a provider's part).

Each clock stores its next deadline (`due_at`) and warning instant (`warn_at`) under partial indexes,
so "what breaches in the next hour" and the breach sweep are single indexed queries. Every change is
an `SlaEvent` with a stable kind; the history is what `repair` recomputes from.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sla.clock import WorkingHours
from sla.models.calendars import Calendar
from sla.models.policies import Policy, TargetKind

ZERO = timedelta(0)


class EventKind(models.TextChoices):
    STARTED = "started", _("started")
    PAUSED = "paused", _("paused")
    RESUMED = "resumed", _("resumed")
    WARNED = "warned", _("warning")
    BREACHED = "breached", _("breached")
    STOPPED = "stopped", _("stopped")
    REPAIRED = "repaired", _("recalculated")


ALERT_KINDS = (EventKind.WARNED, EventKind.BREACHED)

_RUNNING = Q(stopped_at__isnull=True, paused_at__isnull=True)
# The team's own targets; a provider's clock measures the supplier, not us.
OUR_TARGETS = (TargetKind.RESPONSE, TargetKind.RESOLUTION)


def _warn_after(target: timedelta, warning_percent: int | None) -> timedelta | None:
    """Business time after which to warn: that share of the target (None: never warn)."""
    return target * warning_percent / 100 if warning_percent else None


class ClockQuerySet(models.QuerySet):
    def running(self) -> ClockQuerySet:
        return self.filter(_RUNNING)

    def breaching_by(self, moment: datetime) -> ClockQuerySet:
        """Running clocks not yet breached whose deadline falls at or before `moment` (indexed)."""
        return self.filter(_RUNNING, breached_at__isnull=True, due_at__lte=moment)

    def for_subject(self, subject: models.Model) -> ClockQuerySet:
        return self.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)

    def ours(self) -> ClockQuerySet:
        """Clocks of the team's own targets (first response, resolution), not a provider's."""
        return self.filter(kind__in=OUR_TARGETS)

    def our_targets_on(self, model: type[models.Model]) -> ClockQuerySet:
        """Our targets' clocks on things of `model`."""
        return self.ours().filter(subject_type=ContentType.objects.get_for_model(model))

    def verdicts(self) -> ClockQuerySet:
        """Stopped with a verdict, met or missed (met: never breached); withdrawn clocks have none."""
        return self.filter(stopped_at__isnull=False, withdrawn=False)

    def breaches(self) -> ClockQuerySet:
        return self.filter(breached_at__isnull=False)


class Clock(models.Model):
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")

    kind = models.CharField(max_length=12, choices=TargetKind.choices)
    label = models.CharField(max_length=200, blank=True, help_text="What is measured, e.g. a provider's name.")
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="clocks")
    target = models.DurationField(help_text="Business time allowed.")
    warn_after = models.DurationField(null=True, blank=True, help_text="Business time after which to warn.")
    pausable = models.BooleanField(default=True)

    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=200, blank=True)
    paused_for = models.DurationField(default=ZERO, help_text="Business time paused so far (closed pauses).")
    stopped_at = models.DateTimeField(null=True, blank=True)
    withdrawn = models.BooleanField(
        default=False, help_text="Stopped because the work was withdrawn (cancelled): counts as neither met nor missed."
    )
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    notify_email = models.CharField(max_length=254, blank=True, help_text="Who hears of warnings and breaches.")
    escalate_email = models.CharField(max_length=254, blank=True, help_text="Who else hears of a breach.")

    objects = ClockQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(_RUNNING, breached_at__isnull=True), name="sla_clock_running_due"
            ),
            models.Index(
                fields=["warn_at"], condition=Q(_RUNNING, warned_at__isnull=True), name="sla_clock_running_warn"
            ),
            models.Index(fields=["subject_type", "subject_id"], name="sla_clock_subject"),
            # Compliance and breach counts per period read these alone (index-only scans).
            models.Index(
                fields=["subject_type", "stopped_at", "kind", "breached_at"],
                condition=Q(stopped_at__isnull=False, withdrawn=False),
                name="sla_clock_verdicts",
            ),
            models.Index(
                # subject_id too, so breached tickets per week are counted from the index alone.
                fields=["subject_type", "breached_at", "kind", "subject_id"],
                condition=Q(breached_at__isnull=False),
                name="sla_clock_breached_tickets",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} clock due {self.due_at:%Y-%m-%d %H:%M} UTC"

    # -- reading ------------------------------------------------------------------------------------

    @property
    def hours(self) -> WorkingHours:
        return self.calendar.working_hours()

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_at is None

    @property
    def is_paused(self) -> bool:
        return self.stopped_at is None and self.paused_at is not None

    @property
    def met(self) -> bool | None:
        """True when stopped in time, False when breached, None while still counting or when withdrawn."""
        if self.withdrawn:
            return None
        if self.breached_at is not None:
            return False
        return None if self.stopped_at is None else True

    def elapsed(self, now: datetime) -> timedelta:
        """Business time counted against the target so far (pauses excluded)."""
        end = self.stopped_at or now
        counted = self.hours.between(self.started_at, end) - self.paused_for
        if self.paused_at is not None:
            counted -= self.hours.between(self.paused_at, end)
        return max(counted, ZERO)

    def remaining(self, now: datetime) -> timedelta:
        """Business time left before the deadline; negative once it has passed."""
        return self.target - self.elapsed(now)

    # -- changing -----------------------------------------------------------------------------------

    @classmethod
    def begin(
        cls,
        *,
        kind: str,
        calendar: Calendar,
        target: timedelta,
        at: datetime,
        subject: models.Model | None = None,
        warning_percent: int | None = 75,
        pausable: bool = True,
        label: str = "",
        notify_email: str = "",
        escalate_email: str = "",
    ) -> Clock:
        """Create a running clock and its `started` event."""
        clock = cls(
            subject=subject,
            kind=kind,
            label=label,
            calendar=calendar,
            target=target,
            warn_after=_warn_after(target, warning_percent),
            pausable=pausable,
            started_at=at,
            notify_email=notify_email,
            escalate_email=escalate_email,
        )
        clock._schedule()
        with transaction.atomic():
            clock.save()
            clock.events.create(kind=EventKind.STARTED, at=at, data={"target": clock.target.total_seconds()})
        return clock

    def pause(self, *, at: datetime, reason: str) -> bool:
        """Stop counting while we wait (on the requester). False, and nothing changes, when this clock
        is not running or its target does not pause."""
        if not (self.is_running and self.pausable):
            return False
        with transaction.atomic():
            self._lock()
            if not self.is_running:
                return False
            changed = self._record_passed(at)
            self.paused_at, self.pause_reason = at, reason
            self.save(update_fields=["paused_at", "pause_reason", *changed])
            self.events.create(kind=EventKind.PAUSED, at=at, data={"reason": reason})
        return True

    def resume(self, *, at: datetime) -> bool:
        """Count again; the deadlines move by exactly the business time paused. False when not paused."""
        if not self.is_paused:
            return False
        with transaction.atomic():
            self._lock()
            if not self.is_paused:
                return False
            paused = self._close_pause(at)
            self.save(update_fields=["paused_at", "pause_reason", "paused_for", "due_at", "warn_at"])
            self.events.create(kind=EventKind.RESUMED, at=at, data={"paused": paused.total_seconds()})
        return True

    def stop(self, *, at: datetime, withdrawn: bool = False) -> bool:
        """The target is done (responded, resolved, provider answered): record met or breached.

        A withdrawn clock (the work was cancelled) keeps its history but counts as neither met nor missed.
        """
        if self.stopped_at is not None:
            return False
        with transaction.atomic():
            self._lock()
            if self.stopped_at is not None:
                return False
            changed = ["stopped_at", "withdrawn", *self._record_passed(at)]
            if self.paused_at is not None:
                self._close_pause(at)
                changed += ["paused_at", "pause_reason", "paused_for", "due_at", "warn_at"]
            self.stopped_at, self.withdrawn = at, withdrawn
            # Once breached, always breached: a later repair that moved the deadline does not undo it.
            late = self.breached_at is not None
            hours = self.hours
            margin = hours.between(self.breached_at, at) if late else hours.between(at, self.due_at)
            self.save(update_fields=changed)
            data = {"met": not late, "margin": margin.total_seconds()}
            self.events.create(kind=EventKind.STOPPED, at=at, data={**data, "withdrawn": True} if withdrawn else data)
        return True

    def repair(
        self,
        *,
        at: datetime,
        target: timedelta,
        calendar: Calendar,
        warning_percent: int | None = 75,
        pausable: bool | None = None,
    ) -> bool:
        """Recompute the deadlines after the policy, priority or calendar changed.

        The time already elapsed and every pause are kept: pauses are re-measured from the history on
        the new calendar, so none of them is lost. A stopped clock is left as it was (returns False).
        """
        with transaction.atomic():
            self._lock()
            if self.stopped_at is not None:
                return False
            before = {
                "target": self.target.total_seconds(),
                "calendar": self.calendar_id,
                "due": self.due_at.isoformat(),
            }
            self.calendar, self.target = calendar, target
            self.warn_after = _warn_after(target, warning_percent)
            if pausable is not None:
                self.pausable = pausable
            hours = calendar.working_hours()
            self.paused_for = sum((hours.between(start, end) for start, end in self.closed_pauses()), ZERO)
            self._schedule()
            self.save(update_fields=["calendar", "target", "warn_after", "pausable", "paused_for", "due_at", "warn_at"])
            self.events.create(
                kind=EventKind.REPAIRED,
                at=at,
                data={
                    "from": before,
                    "to": {"target": target.total_seconds(), "calendar": calendar.pk, "due": self.due_at.isoformat()},
                },
            )
        return True

    def closed_pauses(self) -> list[tuple[datetime, datetime]]:
        """(paused, resumed) pairs from the history, oldest first; a pause still open is not included."""
        pauses, opened = [], None
        for kind, moment in (
            self.events.filter(kind__in=[EventKind.PAUSED, EventKind.RESUMED, EventKind.STOPPED])
            .order_by("at", "pk")
            .values_list("kind", "at")
        ):
            if kind == EventKind.PAUSED:
                opened = moment
            elif opened is not None:
                pauses.append((opened, moment))
                opened = None
        return pauses

    _FRESH = ("warned_at", "breached_at", "stopped_at", "paused_at", "pause_reason", "paused_for", "due_at", "warn_at")

    def _lock(self) -> None:
        """Lock the row (PostgreSQL) and take its latest state, so a stale copy never undoes a newer change."""
        fresh = Clock.objects.select_for_update().filter(pk=self.pk).values(*self._FRESH).get()
        for name, value in fresh.items():
            setattr(self, name, value)

    def _record_passed(self, at: datetime) -> list[str]:
        """Record a warning or breach that passed before `at` and no sweep has seen yet, dated when it
        happened (pausing an overdue clock must not hide the breach). Returns the fields changed."""
        changed, events = [], []
        if self.breached_at is None and at > self.due_at:
            self.breached_at = self.due_at
            changed.append("breached_at")
            events.append(SlaEvent(clock=self, kind=EventKind.BREACHED, at=self.due_at))
        if self.warned_at is None and self.warn_at is not None and at > self.warn_at:
            self.warned_at = self.warn_at
            changed.append("warned_at")
            if not events:  # a clock found already breached gets its breach, not a late warning too
                events.append(SlaEvent(clock=self, kind=EventKind.WARNED, at=self.warn_at))
        SlaEvent.objects.bulk_create(events, ignore_conflicts=True)
        return changed

    def _close_pause(self, at: datetime) -> timedelta:
        paused = self.hours.between(self.paused_at, at)
        self.paused_for += paused
        self.paused_at, self.pause_reason = None, ""
        self._schedule()
        return paused

    def _schedule(self) -> None:
        """Deadlines from the start, the target and the pauses so far: exact by construction."""
        hours = self.hours
        self.due_at = hours.add(self.started_at, self.target + self.paused_for)
        self.warn_at = hours.add(self.started_at, self.warn_after + self.paused_for) if self.warn_after else None


class SlaEvent(models.Model):
    """One thing that happened to a clock. Warnings and breaches happen once per clock (constraint),
    so a team hears of each once however often the sweep runs."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(help_text="When it happened: a breach is dated at its deadline.")
    data = models.JSONField(default=dict, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "kind"], condition=Q(kind__in=ALERT_KINDS), name="sla_event_alert_once_per_clock"
            ),
        ]
        indexes = [
            models.Index(
                fields=["at"],
                condition=Q(notified_at__isnull=True, kind__in=ALERT_KINDS),
                name="sla_event_pending_alert",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M} UTC"


class Measured:
    """For ticket-like models: start, pause, resume, stop and repair their clocks together.

    Mix into any model (`class Ticket(Measured, models.Model)`); the clocks point back at it
    through a generic relation, so sla/ needs to know nothing about the model.
    """

    @property
    def clocks(self) -> ClockQuerySet:
        return Clock.objects.for_subject(self).select_related("calendar")

    def clock(self, kind: str) -> Clock | None:
        """The latest clock of `kind`; None when none was started."""
        return self.clocks.filter(kind=kind).order_by("-started_at", "-pk").first()

    def start_clocks(self, *, policy: Policy, priority: str, at: datetime, notify_email: str = "") -> list[Clock]:
        """Start a response and a resolution clock for `priority`, for each target the policy sets."""
        started = []
        for kind in OUR_TARGETS:
            target = policy.target(priority, kind)
            if target is None:
                continue
            started.append(
                Clock.begin(
                    subject=self,
                    kind=kind,
                    calendar=target.calendar or policy.calendar,
                    target=target.duration,
                    warning_percent=policy.warning_percent,
                    pausable=target.pauses_while_waiting,
                    at=at,
                    label=f"{priority} {TargetKind(kind).label}",
                    notify_email=notify_email,
                    escalate_email=policy.escalate_to,
                )
            )
        return started

    def pause_clocks(self, *, at: datetime, reason: str) -> list[Clock]:
        """Pause our running clocks whose targets pause (a first response already given is stopped,
        so it is not touched). The provider's clock is theirs and keeps running."""
        return [clock for clock in self.clocks.running().ours() if clock.pause(at=at, reason=reason)]

    def resume_clocks(self, *, at: datetime) -> list[Clock]:
        return [clock for clock in self.clocks.filter(stopped_at=None).exclude(paused_at=None) if clock.resume(at=at)]

    def stop_clocks(
        self, *, at: datetime, kinds: tuple[str, ...] | None = None, withdrawn: bool = False
    ) -> list[Clock]:
        """Stop the clocks of `kinds` (all when None) that are still counting; `withdrawn` when cancelled."""
        clocks = self.clocks.filter(stopped_at=None)
        if kinds is not None:
            clocks = clocks.filter(kind__in=kinds)
        return [clock for clock in clocks if clock.stop(at=at, withdrawn=withdrawn)]

    def repair_clocks(self, *, policy: Policy, priority: str, at: datetime) -> list[Clock]:
        """Recompute every unstopped clock for a new policy or priority, keeping elapsed and paused time."""
        repaired = []
        for clock in self.clocks.filter(stopped_at=None).exclude(kind=TargetKind.PROVIDER):
            target = policy.target(priority, clock.kind)
            if target is not None and clock.repair(
                at=at,
                target=target.duration,
                calendar=target.calendar or policy.calendar,
                warning_percent=policy.warning_percent,
                pausable=target.pauses_while_waiting,
            ):
                repaired.append(clock)
        return repaired

    def start_provider_clock(
        self, *, at: datetime, provider: str, target: timedelta, calendar: Calendar, notify_email: str = ""
    ) -> Clock:
        """We are waiting on a third party: their contract clock starts; ours keeps running."""
        return Clock.begin(
            subject=self,
            kind=TargetKind.PROVIDER,
            label=provider,
            calendar=calendar,
            target=target,
            pausable=False,
            at=at,
            notify_email=notify_email,
        )

    def time_split(self, now: datetime) -> dict[str, timedelta]:
        """Our part and the providers' part of the resolution time, both on our resolution calendar."""
        resolution = self.clock(TargetKind.RESOLUTION)
        if resolution is None:
            return {"ours": ZERO, "provider": ZERO}
        hours = resolution.hours
        pauses = resolution.closed_pauses()
        if resolution.paused_at is not None:
            pauses.append((resolution.paused_at, now))
        theirs = ZERO
        for provider in self.clocks.filter(kind=TargetKind.PROVIDER):
            start, end = provider.started_at, provider.stopped_at or now
            theirs += hours.between(start, end)
            for paused_from, paused_to in pauses:  # time we were not counting is nobody's part
                theirs -= hours.between(max(start, paused_from), min(end, paused_to))
        total = resolution.elapsed(now)
        return {"ours": max(total - theirs, ZERO), "provider": min(theirs, total)}
