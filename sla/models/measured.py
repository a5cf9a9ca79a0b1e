"""The clocks of one thing being served (a ticket), started, paused, stopped and re-timed together."""

from __future__ import annotations

from datetime import datetime, timedelta

from sla.models.calendars import Calendar
from sla.models.clocks import Clock
from sla.models.policies import Policy, TargetKind
from sla.models.querysets import ClockQuerySet
from sla.models.rules import OUR_TARGETS, ZERO


class Measured:
    """For ticket-like models: start, pause, resume, stop and repair their clocks together.

    Mix into any model (`class Ticket(Measured, models.Model)`); the clocks point back at it
    through a generic relation, so sla/ needs to know nothing about the model.
    """

    @property
    def clocks(self) -> ClockQuerySet:
        return Clock.objects.for_subject(self).select_related("calendar")

    def clock(self, kind: str) -> Clock | None:
        """The clock of `kind` (the latest, for a provider's); None when none was started."""
        return self.clocks.filter(kind=kind).order_by("-started_at", "-pk").first()

    def start_clocks(self, *, policy: Policy, priority: str, at: datetime, notify_email: str = "") -> list[Clock]:
        """Start a response and a resolution clock for `priority`, for each target the policy sets (two
        INSERTs: the clocks, and their `started` events)."""
        started = []
        for kind in OUR_TARGETS:
            target = policy.target(priority, kind)
            if target is None:
                continue
            started.append(
                Clock.new(
                    subject=self,
                    kind=kind,
                    policy=policy,
                    priority=priority,
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
        return Clock.begin_all(started)

    def pause_clocks(self, *, at: datetime, reason: str) -> list[Clock]:
        """Pause our running clocks whose targets pause (a first response already given is stopped,
        so it is not touched). The provider's clock is theirs and keeps running."""
        return [clock for clock in self.clocks.running().ours().order_by("pk") if clock.pause(at=at, reason=reason)]

    def resume_clocks(self, *, at: datetime) -> list[Clock]:
        paused = self.clocks.filter(stopped_at=None).exclude(paused_at=None).order_by("pk")
        return [clock for clock in paused if clock.resume(at=at)]

    def stop_clocks(
        self, *, at: datetime, kinds: tuple[str, ...] | None = None, withdrawn: bool = False
    ) -> list[Clock]:
        """Stop the clocks of `kinds` (all when None) that are still counting; `withdrawn` when cancelled.

        A stopped resolution clock keeps how much of its time went on waiting for providers."""
        # In id order, as every writer of several clocks locks them (no deadlock with a re-timing batch).
        clocks = self.clocks.filter(stopped_at=None).order_by("pk")
        if kinds is not None:
            clocks = clocks.filter(kind__in=kinds)
        stopped = [clock for clock in clocks if clock.stop(at=at, withdrawn=withdrawn)]
        for clock in stopped:
            if clock.kind == TargetKind.RESOLUTION:
                clock.provider_time = self.time_split(at)["provider"]
                Clock.objects.filter(pk=clock.pk).update(provider_time=clock.provider_time)
        return stopped

    def reopen_clocks(self, *, at: datetime) -> list[Clock]:
        """The work was reopened: the resolution clock carries on from where it stopped."""
        resolution = self.clock(TargetKind.RESOLUTION)
        return [resolution] if resolution is not None and resolution.reopen(at=at) else []

    def repair_clocks(self, *, policy: Policy, priority: str, at: datetime, reason: str) -> list[Clock]:
        """Recompute every unstopped clock of ours for a new policy or priority, keeping used and paused time."""
        repaired = []
        for clock in self.clocks.filter(stopped_at=None).ours().order_by("pk"):
            target = policy.target(priority, clock.kind)
            if target is not None and clock.repair(
                at=at,
                target=target.duration,
                calendar=target.calendar or policy.calendar,
                reason=reason,
                warning_percent=policy.warning_percent,
                pausable=target.pauses_while_waiting,
                policy=policy,
                priority=priority,
            ):
                repaired.append(clock)
        return repaired

    def notify_clocks(self, email: str) -> int:
        """Warnings and breaches of the clocks still counting go to `email` from now on (a new team)."""
        return Clock.objects.for_subject(self).filter(stopped_at=None).update(notify_email=email)

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
        end_of_work = resolution.stopped_at or now
        theirs = ZERO
        for provider in self.clocks.filter(kind=TargetKind.PROVIDER):
            start, end = provider.started_at, min(provider.stopped_at or now, end_of_work)
            theirs += hours.between(start, end)
            for paused_from, paused_to in pauses:  # time we were not counting is nobody's part
                theirs -= hours.between(max(start, paused_from), min(end, paused_to))
        total = resolution.elapsed(now)
        return {"ours": max(total - theirs, ZERO), "provider": min(max(theirs, ZERO), total)}
