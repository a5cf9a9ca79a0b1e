"""Clocks on things being served: one row per target (first response, resolution, a provider's part).

Each clock stores its next deadline (`due_at`) and warning instant (`warn_at`) under partial indexes,
so "what breaches in the next hour" and the breach sweep are single indexed queries. Every change is
an `SlaEvent` with a stable kind; the history is what a repair recomputes from.

The rules, written once here and in the README ("How a target is judged"):

- Business time *used* is the open time of the clock's calendar from its start to its stop (or now),
  less its pauses: waiting on the requester (when the target pauses) and, after a reopen, the time the
  work stood resolved. A reopen carries on the same clock, so a ticket has one verdict per target.
- The deadline is the instant the time used reaches the target, but never before the clock last began
  counting (started, resumed, reopened) or was re-timed: a clock that resumes with nothing left is due
  at once, not at some instant inside its pause.
- A clock breaches when it is still counting strictly after its deadline; the breach is dated at the
  deadline. Stopped at the deadline itself is met. Once breached, always breached.
- Verdict: met (stopped, never breached), missed (stopped, breached) or withdrawn (the work was
  cancelled: neither met nor missed, even if it had breached). A clock still counting has none yet.
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
from sla.models.policies import Policy, Priority, TargetKind
from sla.models.querysets import _RUNNING, ClockQuerySet
from sla.models.rules import (
    ALERT_KINDS,
    HISTORY_KINDS,
    OUR_TARGETS,
    ZERO,
    EventKind,
    Verdict,
    deadlines,
    pause_intervals,
    retimed,
    warn_after_for,
)


class Clock(models.Model):
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject ID"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")

    kind = models.CharField(_("target"), max_length=12, choices=TargetKind.choices)
    label = models.CharField(
        _("label"), max_length=200, blank=True, help_text=_("What is measured, e.g. a provider's name.")
    )
    # The policy and priority whose target this is (none for a provider's clock): a policy edit finds
    # the clocks it re-times by these.
    policy = models.ForeignKey(  # indexed where it is read: sla_clock_open_policy
        Policy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clocks",
        db_index=False,
        verbose_name=_("service-level policy"),
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, blank=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="clocks", verbose_name=_("calendar"))
    target = models.DurationField(_("time allowed"), help_text=_("Business time allowed."))
    warn_after = models.DurationField(
        _("warn after"), null=True, blank=True, help_text=_("Business time after which to warn.")
    )
    pausable = models.BooleanField(_("pauses while waiting"), default=True)

    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=200, blank=True)
    paused_for = models.DurationField(
        _("paused for"),
        default=ZERO,
        help_text=_("Business time not counted so far: closed pauses and time standing resolved."),
    )
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    used = models.DurationField(_("time used"), null=True, blank=True, help_text=_("Business time used, once stopped."))
    provider_time = models.DurationField(
        _("time waiting on providers"),
        null=True,
        blank=True,
        help_text=_("Of the time used, how much we waited on providers (resolution clocks)."),
    )
    withdrawn = models.BooleanField(
        _("withdrawn"),
        default=False,
        help_text=_("Stopped because the work was withdrawn (cancelled): counts as neither met nor missed."),
    )
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    notify_email = models.CharField(
        _("notify"), max_length=254, blank=True, help_text=_("Who hears of warnings and breaches.")
    )
    escalate_email = models.CharField(
        _("escalate to"), max_length=254, blank=True, help_text=_("Who else hears of a breach.")
    )

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
                condition=Q(breached_at__isnull=False, withdrawn=False),
                name="sla_clock_counted_breaches",
            ),
            # Re-timing after a calendar or policy edit finds the clocks still counting by these.
            models.Index(fields=["calendar"], condition=Q(stopped_at__isnull=True), name="sla_clock_open_calendar"),
            models.Index(fields=["policy"], condition=Q(stopped_at__isnull=True), name="sla_clock_open_policy"),
        ]
        constraints = [
            # One clock per thing and target of ours: a reopen carries on the same clock, so each ticket
            # has exactly one verdict per target.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                condition=Q(kind__in=OUR_TARGETS),
                name="sla_one_clock_per_target",
            ),
        ]
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")

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
    def verdict(self) -> Verdict | None:
        """Met, missed or withdrawn once stopped (the same rule as VERDICT_Q); None while counting."""
        if self.stopped_at is None:
            return None
        if self.withdrawn:
            return Verdict.WITHDRAWN
        return Verdict.MET if self.breached_at is None else Verdict.MISSED

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
    def begin(cls, **facts) -> Clock:
        """Create a running clock and its `started` event (the arguments of `new`)."""
        return cls.begin_all([cls.new(**facts)])[0]

    @classmethod
    def begin_all(cls, clocks: list[Clock]) -> list[Clock]:
        """Save clocks made by `new`, and their `started` events: two INSERTs however many there are
        (a ticket starts its response and resolution clocks together). Returns them, saved."""
        if not clocks:
            return []
        # No savepoint of its own: inside a caller's transaction (raising a ticket) a failure here
        # undoes the caller's work too, which is what such a caller wants.
        with transaction.atomic(savepoint=False):
            cls.objects.bulk_create(clocks)
            SlaEvent.objects.bulk_create(
                SlaEvent(
                    clock=clock,
                    kind=EventKind.STARTED,
                    at=clock.started_at,
                    data={"target": clock.target.total_seconds()},
                )
                for clock in clocks
            )
        return clocks

    @classmethod
    def new(
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
        policy: Policy | None = None,
        priority: str = "",
    ) -> Clock:
        """A running clock from `at`, its deadlines worked out, not saved yet (`begin_all` saves it)."""
        clock = cls(
            subject=subject,
            kind=kind,
            label=label,
            policy=policy,
            priority=priority,
            calendar=calendar,
            target=target,
            warn_after=warn_after_for(target, warning_percent),
            pausable=pausable,
            started_at=at,
            notify_email=notify_email,
            escalate_email=escalate_email,
        )
        clock._schedule(not_before=at)
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
            self._schedule(not_before=at)
            self.save(update_fields=["paused_at", "pause_reason", "paused_for", "due_at", "warn_at"])
            self.events.create(kind=EventKind.RESUMED, at=at, data={"paused": paused.total_seconds()})
        return True

    def stop(self, *, at: datetime, withdrawn: bool = False) -> bool:
        """The target is done (responded, resolved, provider answered): record met or breached.

        A clock stopped while paused last counted when it paused, so only a deadline passed before then
        is a breach. A withdrawn clock (the work was cancelled) keeps its history but counts as neither
        met nor missed.
        """
        if self.stopped_at is not None:
            return False
        with transaction.atomic():
            self._lock()
            if self.stopped_at is not None:
                return False
            counted_until = self.paused_at or at
            changed = ["stopped_at", "withdrawn", "used", *self._record_passed(counted_until)]
            if self.paused_at is not None:
                self._close_pause(at)
                self._schedule()
                changed += ["paused_at", "pause_reason", "paused_for", "due_at", "warn_at"]
            self.stopped_at, self.withdrawn = at, withdrawn
            self.used = self.elapsed(at)
            late = self.breached_at is not None
            hours = self.hours
            # Met with the time to spare; none when a change used the target up while it waited (it is met,
            # as it never counted past its deadline, but nothing was left).
            margin = hours.between(self.breached_at, counted_until) if late else max(self.target - self.used, ZERO)
            self.save(update_fields=changed)
            data = {"met": not late, "margin": margin.total_seconds(), "used": self.used.total_seconds()}
            self.events.create(kind=EventKind.STOPPED, at=at, data={**data, "withdrawn": True} if withdrawn else data)
        return True

    def reopen(self, *, at: datetime) -> bool:
        """Carry on counting after the work was reopened: the time used before still counts and the
        time it stood resolved does not. False when not stopped or withdrawn (cancelled work stays so)."""
        if self.stopped_at is None or self.withdrawn:
            return False
        with transaction.atomic():
            self._lock()
            if self.stopped_at is None or self.withdrawn:
                return False
            # Counting again on the calendar as it is now, which may have been edited while the clock
            # stood stopped (edits leave stopped clocks alone): every pause is measured on it anew.
            hours = self.hours
            gap = hours.between(self.stopped_at, at)
            self.paused_for = self.measure_pauses(hours) + gap
            self.stopped_at, self.used, self.provider_time = None, None, None
            self._schedule(not_before=at)
            self.save(update_fields=["stopped_at", "used", "provider_time", "paused_for", "due_at", "warn_at"])
            self.events.create(kind=EventKind.REOPENED, at=at, data={"gap": gap.total_seconds()})
        return True

    def repair(
        self,
        *,
        at: datetime,
        target: timedelta,
        calendar: Calendar,
        reason: str,
        warning_percent: int | None = 75,
        pausable: bool | None = None,
        policy: Policy | None = None,
        priority: str | None = None,
    ) -> bool:
        """Recompute the deadlines after the policy, priority or calendar changed.

        The whole history is re-measured on the (new) calendar: pauses and time standing resolved
        stay uncounted, time used stays used. A deadline that now lies in the past moves to `at`: the
        clock became late by the change, not before it, whether it was counting or paused then (a
        paused one is breached only if it counts again). A breach already recorded stays, and one that
        passed before the change while the clock counted is recorded, dated at the old deadline. A
        stopped clock is left as it was (returns False): finished verdicts are never rewritten.
        """
        with transaction.atomic():
            self._lock()
            if self.stopped_at is not None:
                return False
            before = {"target": self.target.total_seconds(), "calendar": self.calendar_id, "due": self.due_at}
            # A deadline that passed before the change while the clock counted is a breach already.
            passed = self._record_passed(at) if self.paused_at is None else []
            self.calendar, self.target = calendar, target
            self.warn_after = warn_after_for(target, warning_percent)
            if pausable is not None:
                self.pausable = pausable
            if policy is not None:
                self.policy = policy
            if priority is not None:
                self.priority = priority
                self.label = f"{priority} {TargetKind(self.kind).label}"
            new = retimed(
                calendar.working_hours(),
                started_at=self.started_at,
                history=self.history(),
                target=target,
                warn_after=self.warn_after,
                at=at,
            )
            self.paused_for, self.due_at, self.warn_at = new.paused_for, new.due_at, new.warn_at
            if new.breach is not None and self.breached_at is None:
                self.breached_at = new.breach
                passed.append("breached_at")
                SlaEvent.objects.bulk_create(
                    [SlaEvent(clock=self, kind=EventKind.BREACHED, at=new.breach)], ignore_conflicts=True
                )
            self.save(
                update_fields=[
                    *("calendar", "target", "warn_after", "pausable", "policy", "priority", "label"),
                    *("paused_for", "due_at", "warn_at", *passed),
                ]
            )
            self.events.create(kind=EventKind.REPAIRED, at=at, data=repaired_data(reason, before, self))
        return True

    def history(self) -> list[tuple[str, datetime]]:
        """The events pauses are measured from, (kind, at) oldest first."""
        return list(self.events.filter(kind__in=HISTORY_KINDS).order_by("at", "pk").values_list("kind", "at"))

    def closed_pauses(self) -> list[tuple[datetime, datetime]]:
        """(from, to) intervals not counted, from the history, oldest first; an open pause is not included."""
        return pause_intervals(self.history())

    def measure_pauses(self, hours: WorkingHours) -> timedelta:
        return sum((hours.between(start, end) for start, end in self.closed_pauses()), ZERO)

    _FRESH = (
        *("warned_at", "breached_at", "stopped_at", "paused_at", "pause_reason", "paused_for", "due_at", "warn_at"),
        *("withdrawn", "target", "calendar_id", "warn_after", "used"),
    )

    def _lock(self) -> None:
        """Lock the row (PostgreSQL) and take its latest state, so a stale copy never undoes a newer change."""
        fresh = Clock.objects.select_for_update().filter(pk=self.pk).values(*self._FRESH).get()
        if fresh["calendar_id"] != self.calendar_id:
            self.calendar = Calendar.objects.get(pk=fresh["calendar_id"])
        for name, value in fresh.items():
            setattr(self, name, value)

    def passed_before(self, at: datetime) -> tuple[list[str], list[SlaEvent]]:
        """A warning or breach that passed before `at` and no sweep has seen yet, dated when it happened,
        set on this copy: (the fields changed, the events to add). Nothing is written here, so a batch
        (sla/repair.py) writes many clocks' at once."""
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
        return changed, events

    def _record_passed(self, at: datetime) -> list[str]:
        """Record what `passed_before(at)` finds (pausing an overdue clock must not hide the breach).
        Returns the fields changed, for the caller's save."""
        changed, events = self.passed_before(at)
        SlaEvent.objects.bulk_create(events, ignore_conflicts=True)
        return changed

    def _close_pause(self, at: datetime) -> timedelta:
        paused = self.hours.between(self.paused_at, at)
        self.paused_for += paused
        self.paused_at, self.pause_reason = None, ""
        return paused

    def _schedule(self, *, not_before: datetime | None = None) -> None:
        """Deadlines from the start, the target and the pauses so far: exact by construction."""
        self.due_at, self.warn_at = deadlines(
            self.hours,
            started_at=self.started_at,
            target=self.target,
            warn_after=self.warn_after,
            paused_for=self.paused_for,
            not_before=not_before,
        )


def repaired_data(reason: str, before: dict, clock: Clock) -> dict:
    """What a `repaired` event keeps: why, and the target, calendar and deadline before and after."""
    return {
        "reason": reason,
        "from": {**before, "due": before["due"].isoformat()},
        "to": {"target": clock.target.total_seconds(), "calendar": clock.calendar_id, "due": clock.due_at.isoformat()},
    }


class SlaEvent(models.Model):
    """One thing that happened to a clock. Warnings and breaches happen once per clock (constraint),
    so a team hears of each once however often the sweep runs."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="events", verbose_name=_("clock"))
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), help_text=_("When it happened: a breach is dated at its deadline."))
    data = models.JSONField(_("details"), default=dict, blank=True)
    # A warning or breach is written into a digest for its team once its calendar is open (queued_at),
    # and counts as told only when the mail server has accepted that digest (notified_at).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

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
                condition=Q(queued_at__isnull=True, kind__in=ALERT_KINDS),
                name="sla_event_pending_alert",
            ),
        ]
        verbose_name = _("service-level event")
        verbose_name_plural = _("service-level events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M} UTC"
