"""A plain model of how a ticket's service-level clocks are judged, for the stateful test of ticket lives.

Written from the rules (README, "How a target is judged", and issue 12), apart from sla/clock.py and the
product's clocks: nothing here imports them. Business time is counted by walking minutes: a minute is
open when its wall-clock time in the calendar's zone falls in one of that weekday's intervals and its
local date is not a closure. Everything happens on whole minutes, so walking minutes is exact. The open
minutes of each UTC day are walked once per calendar definition and kept, so the many questions of a
life do not walk the same minutes again.

Durations are whole minutes (ints); instants are aware datetimes on whole minutes.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
DAY_MINUTES = 24 * 60
RESPONSE, RESOLUTION = "response", "resolution"
OUR_KINDS = (RESPONSE, RESOLUTION)
WAITING, RESOLVED = "waiting", "resolved"  # why a clock does not count
FURTHEST = timedelta(days=400)  # a target that takes longer than this to reach is a broken calendar


def utc(moment: datetime) -> datetime:
    """The instant in UTC; refuses anything but an aware datetime on a whole minute."""
    if moment.tzinfo is None or moment.second or moment.microsecond:
        raise ValueError(f"not an aware whole minute: {moment!r}")
    return moment.astimezone(UTC)


def hhmm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# -- calendars ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hours:
    """One calendar definition: a zone, each weekday's open intervals (minutes of the local day, Monday
    first; 24:00 is 1440) and the closed local dates. Frozen, so an edit makes a new one."""

    zone: str
    week: tuple[tuple[tuple[int, int], ...], ...]
    closed: frozenset[date] = frozenset()

    @classmethod
    def of(cls, zone: str, week: dict[int, list[tuple[str, str]]], closed: Iterable[date] = ()) -> Hours:
        days = tuple(tuple((hhmm(a), hhmm(b)) for a, b in week.get(day, ())) for day in range(7))
        return cls(zone, days, frozenset(closed))

    def closing(self, day: date) -> Hours:
        return Hours(self.zone, self.week, self.closed | {day})

    def is_open(self, moment: datetime) -> bool:
        """The definition itself: the wall-clock minute in the zone, on an open weekday interval, not closed."""
        local = moment.astimezone(ZoneInfo(self.zone))
        if local.date() in self.closed:
            return False
        minute = local.hour * 60 + local.minute
        return any(opens <= minute < closes for opens, closes in self.week[local.weekday()])

    def between(self, start: datetime, end: datetime) -> int:
        """Open minutes in [start, end); 0 when end <= start."""
        start, end = utc(start), utc(end)
        if end <= start:
            return 0
        total, day = 0, start.date()
        while True:
            counts = _open_minutes_before(self, day)
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
            first = (start - midnight) // MINUTE if day == start.date() else 0
            if day == end.date():
                return total + counts[(end - midnight) // MINUTE] - counts[first]
            total += counts[DAY_MINUTES] - counts[first]
            day += timedelta(days=1)

    def add(self, start: datetime, minutes: int) -> datetime:
        """The earliest instant t >= start with between(start, t) >= minutes."""
        start = utc(start)
        day, left = start.date(), minutes
        while left > 0:
            if day - start.date() > FURTHEST:
                raise ValueError("the calendar never has that much open time")
            counts = _open_minutes_before(self, day)
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
            first = (start - midnight) // MINUTE if day == start.date() else 0
            if counts[DAY_MINUTES] - counts[first] >= left:
                return midnight + bisect_left(counts, counts[first] + left) * MINUTE
            left -= counts[DAY_MINUTES] - counts[first]
            day += timedelta(days=1)
        return start


@functools.lru_cache(maxsize=2048)  # about 25 MB at most
def _open_minutes_before(hours: Hours, day: date) -> tuple[int, ...]:
    """counts[i] = open minutes among the first i minutes of the UTC `day`, walked minute by minute."""
    counts, total = [0], 0
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    for _ in range(DAY_MINUTES):
        total += hours.is_open(moment)
        counts.append(total)
        moment += MINUTE
    return tuple(counts)


# -- policies -----------------------------------------------------------------------------------------------


@dataclass
class Target:
    minutes: int
    calendar: str | None = None  # None: the policy's calendar
    pauses: bool = True


@dataclass
class Policy:
    calendar: str
    targets: dict[tuple[str, str], Target]  # (priority, kind) -> target

    def target(self, priority: str, kind: str) -> Target | None:
        return self.targets.get((priority, kind))


# -- clocks and tickets -------------------------------------------------------------------------------------


@dataclass
class Gap:
    """A stretch in which the clock did not count: waiting on the requester, or the work standing resolved
    (or finished, while `until` is None)."""

    why: str
    since: datetime
    until: datetime | None = None


@dataclass
class Clock:
    kind: str
    calendar: str
    target: int
    pauses: bool
    started_at: datetime
    notify: str
    # The last moment it (re)started counting or was re-timed: the deadline is never before it.
    floor: datetime
    gaps: list[Gap] = field(default_factory=list)
    stopped_at: datetime | None = None
    withdrawn: bool = False
    breached_at: datetime | None = None  # the fact: counted past its deadline, dated at the deadline
    breach_recorded: bool = False  # ... and written down (by a sweep, a pause, a stop or a change)
    # Measured when it stopped (stopped clocks are never re-measured): (used, paused_for) in minutes.
    frozen: tuple[int, int] | None = None

    @property
    def is_stopped(self) -> bool:
        return self.stopped_at is not None

    @property
    def paused_at(self) -> datetime | None:
        """When the open wait began, for a clock not stopped; None when it is counting or stopped."""
        if self.is_stopped or not self.gaps or self.gaps[-1].until is not None:
            return None
        return self.gaps[-1].since

    @property
    def is_counting(self) -> bool:
        return not self.is_stopped and self.paused_at is None

    @property
    def verdict(self) -> str | None:
        if not self.is_stopped:
            return None
        if self.withdrawn:
            return "withdrawn"
        return "missed" if self.breached_at is not None else "met"

    def used(self, hours: Hours, now: datetime) -> int:
        """Open minutes from the start to `now` (or the stop), less the gaps."""
        end = self.stopped_at or now
        not_counted = sum(hours.between(gap.since, min(gap.until or end, end)) for gap in self.gaps if gap.since < end)
        return hours.between(self.started_at, end) - not_counted

    def paused_for(self, hours: Hours) -> int:
        """Open minutes of the gaps that have ended."""
        return sum(hours.between(gap.since, gap.until) for gap in self.gaps if gap.until is not None)

    def due(self, hours: Hours) -> datetime:
        """The deadline of a counting clock: the earliest instant at which the time used reaches the target,
        but never before the floor (when it last began counting or was re-timed)."""
        if any(gap.until is None or gap.until > self.floor for gap in self.gaps):
            raise AssertionError("a counting clock's gaps all ended by the time it last began counting")
        left = self.target - self.used(hours, self.floor)
        # Reached by the floor: due at the floor. Else no gap lies ahead, so walk on open minutes alone.
        return self.floor if left <= 0 else hours.add(self.floor, left)


OPEN = ("new", "assigned", "in_progress", "waiting_requester", "waiting_provider")
WORKING = ("assigned", "in_progress")
# action -> (states it may be taken from, state it leads to, who takes it)
TRANSITIONS = {
    "start": (("new", "assigned"), "in_progress", "analyst"),
    "wait_on_requester": (WORKING, "waiting_requester", "analyst"),
    "requester_replied": (("waiting_requester",), "in_progress", "requester"),
    "wait_on_provider": (WORKING, "waiting_provider", "analyst"),
    "provider_replied": (("waiting_provider",), "in_progress", "analyst"),
    "resolve": ((*WORKING, "waiting_requester", "waiting_provider"), "resolved", "analyst"),
    "reopen": (("resolved",), "in_progress", "requester"),
    "confirm": (("resolved",), "closed", "requester"),
    "cancel": (OPEN, "cancelled", "requester"),
}


@dataclass
class Ticket:
    key: int
    policy: str
    priority: str
    team: str
    state: str = "new"
    first_response_at: datetime | None = None
    clocks: dict[str, Clock] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    def may(self, action: str) -> bool:
        return self.state in TRANSITIONS[action][0]


# -- the desk: what happens at `now` ------------------------------------------------------------------------


class Desk:
    """Calendars, policies, team addresses and tickets, and the rules that move their clocks.

    Time only moves forward (`advance`); every other method acts at `now`.
    """

    def __init__(self, *, now: datetime, calendars: dict[str, Hours], policies: dict[str, Policy], teams: dict):
        self.now = utc(now)
        self.calendars = calendars
        self.policies = policies
        self.teams = teams  # name -> notify address
        self.tickets: list[Ticket] = []

    # -- reading --------------------------------------------------------------------------------------------

    def hours(self, clock: Clock) -> Hours:
        return self.calendars[clock.calendar]

    def clocks(self) -> Iterable[tuple[Ticket, Clock]]:
        for ticket in self.tickets:
            for clock in ticket.clocks.values():
                yield ticket, clock

    def due(self, clock: Clock) -> datetime | None:
        """The deadline of a counting clock; None for one paused or stopped (it cannot breach)."""
        return clock.due(self.hours(clock)) if clock.is_counting else None

    def used(self, clock: Clock) -> int:
        return clock.frozen[0] if clock.frozen is not None else clock.used(self.hours(clock), self.now)

    def paused_for(self, clock: Clock) -> int:
        return clock.frozen[1] if clock.frozen is not None else clock.paused_for(self.hours(clock))

    def recorded_breach(self, clock: Clock) -> datetime | None:
        return clock.breached_at if clock.breach_recorded else None

    def deadline(self, clock: Clock) -> datetime | None:
        """What the ticket copies of a counting clock: its recorded breach once breached (a later change
        that moves its deadline does not make it on time again), else its deadline."""
        return self.recorded_breach(clock) or self.due(clock)

    def ticket_due(self, ticket: Ticket) -> datetime | None:
        """The soonest deadline (or recorded breach) of the ticket's clocks still counting."""
        return min((self.deadline(clock) for clock in ticket.clocks.values() if clock.is_counting), default=None)

    def overdue(self, ticket: Ticket) -> bool:
        """A clock of the ticket is counting past its deadline now (at the deadline itself it is not yet),
        or counting with a breach already recorded."""
        return any(clock.is_counting and self.deadline(clock) < self.now for clock in ticket.clocks.values())

    def compliance(self, *, since: datetime) -> dict[str, dict[str, int]]:
        """Met and missed per target among clocks stopped (not withdrawn) from `since` to now."""
        figures = {kind: {"met": 0, "missed": 0} for kind in OUR_KINDS}
        for _, clock in self.clocks():
            if clock.verdict in ("met", "missed") and since <= clock.stopped_at <= self.now:
                figures[clock.kind][clock.verdict] += 1
        return figures

    def open_by_team(self) -> dict[str, dict[str, int]]:
        figures: dict[str, dict[str, int]] = {}
        for ticket in self.tickets:
            if ticket.is_open:
                row = figures.setdefault(ticket.team, {"open": 0, "breached": 0})
                row["open"] += 1
                row["breached"] += self.overdue(ticket)
        return figures

    # -- time -----------------------------------------------------------------------------------------------

    def advance(self, to: datetime) -> None:
        """Time passes to `to`: a clock that counts past its deadline (strictly after it) has breached,
        dated at the deadline, whether or not anyone has noticed yet."""
        to = utc(to)
        if to <= self.now:
            raise ValueError("time only moves forward")
        for _, clock in self.clocks():
            if clock.is_counting and clock.breached_at is None:
                due = self.due(clock)
                if due < to:
                    clock.breached_at = due
        self.now = to

    def sweep(self) -> None:
        """The breach sweep records every breach that has happened by now."""
        for _, clock in self.clocks():
            if clock.breached_at is not None and clock.is_counting:
                clock.breach_recorded = True

    # -- tickets --------------------------------------------------------------------------------------------

    def raise_ticket(self, *, policy: str, priority: str, team: str) -> Ticket:
        ticket = Ticket(key=len(self.tickets), policy=policy, priority=priority, team=team)
        rules = self.policies[policy]
        for kind in OUR_KINDS:
            target = rules.target(priority, kind)
            if target is not None:
                ticket.clocks[kind] = Clock(
                    kind=kind,
                    calendar=target.calendar or rules.calendar,
                    target=target.minutes,
                    pauses=target.pauses,
                    started_at=self.now,
                    notify=self.teams[team],
                    floor=self.now,
                )
        self.tickets.append(ticket)
        return ticket

    def perform(self, ticket: Ticket, action: str) -> None:
        sources, target_state, _ = TRANSITIONS[action]
        if ticket.state not in sources:
            raise ValueError(f"{action} is not allowed from {ticket.state}")
        ticket.state = target_state
        if action == "wait_on_requester":
            for clock in ticket.clocks.values():
                if clock.is_counting and clock.pauses:
                    self._record(clock)
                    clock.gaps.append(Gap(WAITING, self.now))
        elif action == "requester_replied":
            for clock in ticket.clocks.values():
                if clock.paused_at is not None:
                    clock.gaps[-1].until = self.now
                    clock.floor = self.now
        elif action in ("resolve", "cancel"):
            for clock in ticket.clocks.values():
                if not clock.is_stopped:
                    self._stop(clock, withdrawn=action == "cancel")
        elif action == "reopen":
            clock = ticket.clocks.get(RESOLUTION)
            if clock is not None and clock.is_stopped and not clock.withdrawn:
                clock.gaps[-1].until = self.now
                clock.stopped_at, clock.frozen, clock.floor = None, None, self.now

    def analyst_reply(self, ticket: Ticket, *, internal: bool) -> None:
        """The team's first public reply is the first response."""
        if internal or ticket.first_response_at is not None:
            return
        ticket.first_response_at = self.now
        clock = ticket.clocks.get(RESPONSE)
        if clock is not None and not clock.is_stopped:
            self._stop(clock, withdrawn=False)

    def requester_reply(self, ticket: Ticket) -> None:
        if ticket.state == "waiting_requester":
            self.perform(ticket, "requester_replied")

    def change_priority(self, ticket: Ticket, priority: str) -> None:
        if priority == ticket.priority:
            return
        ticket.priority = priority
        for clock in ticket.clocks.values():
            self._retarget(ticket, clock)

    def move_team(self, ticket: Ticket, team: str) -> None:
        ticket.team = team
        if ticket.state == "assigned":
            ticket.state = "new"
        for clock in ticket.clocks.values():
            if not clock.is_stopped:
                clock.notify = self.teams[team]

    def edit_calendar(self, name: str, hours: Hours) -> None:
        """The whole history of every clock still on the calendar is re-measured on the new hours; each
        keeps its target."""
        self.calendars[name] = hours
        for _, clock in self.clocks():
            if clock.calendar == name:
                self._retime(clock)

    def edit_target(self, policy: str, priority: str, kind: str, minutes: int) -> None:
        """Every clock still counting under the policy takes its target as the policy sets it now."""
        self.policies[policy].targets[(priority, kind)].minutes = minutes
        for ticket, clock in self.clocks():
            if ticket.policy == policy:
                self._retarget(ticket, clock)

    # -- the rules underneath -------------------------------------------------------------------------------

    def _record(self, clock: Clock) -> None:
        if clock.breached_at is not None:
            clock.breach_recorded = True

    def _stop(self, clock: Clock, *, withdrawn: bool) -> None:
        self._record(clock)
        if clock.paused_at is not None:
            clock.gaps[-1].until = self.now
        hours = self.hours(clock)
        clock.frozen = (clock.used(hours, self.now), clock.paused_for(hours))
        clock.stopped_at, clock.withdrawn = self.now, withdrawn
        clock.gaps.append(Gap(RESOLVED, self.now))

    def _retime(self, clock: Clock) -> None:
        """Re-measure the clock's own history (on its calendar as it is now); the deadline is not before
        now. Stopped clocks keep their verdicts untouched."""
        if clock.is_stopped:
            return
        self._record(clock)
        clock.floor = self.now

    def _retarget(self, ticket: Ticket, clock: Clock) -> None:
        """Take the ticket's target as its policy and priority set it now, and re-time."""
        if clock.is_stopped:
            return
        rules = self.policies[ticket.policy]
        target = rules.target(ticket.priority, clock.kind)
        if target is not None:
            clock.target, clock.pauses = target.minutes, target.pauses
            clock.calendar = target.calendar or rules.calendar
        self._retime(clock)
