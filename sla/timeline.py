"""A clock explained in plain words, with times in the reader's own (active) time zone.

Two audiences read the same events:

- **the team** reads everything: targets, pause reasons, warnings, breaches, each recalculation with its
  reason and what it changed (deadline, target, calendar), a reopen, and the providers' own clocks;
- **the requester** reads the promise as it concerns them, in their words: when it began, when we
  waited for them, when and why our deadline moved, how it ended. Left out, as a service manager would:
  warnings (an internal nudge, and "most of the time is used" reads as an excuse in advance), policy,
  target and calendar names, recalculations that did not move the deadline, and the providers' clocks
  and names (a supplier's contract is between us and them, and naming them invites chasing the
  supplier instead of us). Our clock keeps counting while we wait on a supplier, so the requester is
  told only how much of the time went on that wait, and that it still counted against our promise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sla.models import OUR_TARGETS, Calendar, Clock, EventKind, RepairReason, SlaEvent, TargetKind, Verdict
from sla.models.rules import ZERO

TEAM, REQUESTER = "team", "requester"
AUDIENCES = (TEAM, REQUESTER)


def business(duration: timedelta) -> str:
    """2 h 10 m, 3 h or 45 m: the size of a duration, whatever its sign."""
    minutes = round(abs(duration).total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)d h %(minutes)d m") % {"hours": hours, "minutes": minutes}
    return _("%(hours)d h") % {"hours": hours} if hours else _("%(minutes)d m") % {"minutes": minutes}


def when(moment: datetime) -> str:
    """Tue 24 Nov 2026, 14:00 Stockholm: in the reader's zone, named by its city (day and month translated)."""
    local = timezone.localtime(moment)
    zone = str(timezone.get_current_timezone_name()).split("/")[-1].replace("_", " ")
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {zone}"


@dataclass(frozen=True)
class Entry:
    """One line of a clock's story: `words` said at `when` (empty for where the clock stands now)."""

    at: datetime
    words: str
    when: str = ""

    @property
    def text(self) -> str:
        return f"{self.when}: {self.words}" if self.when else self.words


def timeline(
    clock: Clock,
    now: datetime | None = None,
    *,
    audience: str = TEAM,
    full: bool | None = None,
    calendars: dict[int, str] | None = None,
) -> list[Entry]:
    """What happened to the clock, oldest first, ending with where it stands now while it still counts.

    `audience` is TEAM (everything) or REQUESTER (see the module docstring); `full=True` or `False` says
    the same. A provider's clock is the team's alone: empty for the requester. `calendars` names the
    calendars recalculations moved the clock between, by id (read in one query when not given). The
    events come from a prefetch when there is one. Raises ValueError for an unknown audience.
    """
    now = now or timezone.now()
    team = _audience(audience, full) == TEAM
    if not team and clock.kind not in OUR_TARGETS:
        return []
    events = list(clock.events.all())
    if team and calendars is None:
        calendars = calendar_names([clock], events)
    entries = [Entry(at, words, when(at)) for at, words in _told(clock, events, team=team, calendars=calendars or {})]
    if clock.stopped_at is None:
        entries.append(Entry(now, standing(clock, now, audience=TEAM if team else REQUESTER, events=events)[0]))
    return entries


def clock_target(data: dict) -> timedelta:
    return _seconds(data.get("target"))


def _seconds(value: float | None) -> timedelta:
    return timedelta(seconds=value or 0)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _audience(audience: str, full: bool | None) -> str:
    if full is not None:
        return TEAM if full else REQUESTER
    if audience not in AUDIENCES:
        raise ValueError(f"audience is one of {AUDIENCES}, not {audience!r}")
    return audience


# -- one formatter per event kind: (clock, data, team, calendars) -> words, or None when not told ---------


def _started(clock: Clock, data: dict, team: bool, calendars: dict[int, str]) -> str | None:
    target = business(clock_target(data))
    if clock.kind == TargetKind.PROVIDER:
        return _("Started: %(provider)s has %(target)s of business time under their contract") % {
            "provider": clock.label or _("the supplier"),
            "target": target,
        }
    if team:
        return _("Started: %(target)s of business time allowed") % {"target": target}
    if clock.kind == TargetKind.RESPONSE:
        return _("Our promise began: a first reply within %(target)s, counted in our opening hours") % {
            "target": target
        }
    return _("Our promise began: resolved within %(target)s, counted in our opening hours") % {"target": target}


def _paused(clock: Clock, data: dict, team: bool, calendars: dict[int, str]) -> str | None:
    if team:
        return _("Paused: %(reason)s") % {"reason": data.get("reason") or _("no reason given")}
    # Our clocks pause only while we wait for the requester (a supplier's wait keeps them counting).
    return _("Paused while we waited for you")


def _resumed(clock: Clock, data: dict, team: bool, calendars: dict[int, str]) -> str | None:
    paused = business(_seconds(data.get("paused")))
    if team:
        return _("Resumed after %(paused)s of business time paused") % {"paused": paused}
    return _("Carried on: paused for %(paused)s while we waited for you") % {"paused": paused}


def _warned(clock: Clock, data: dict, team: bool, calendars: dict[int, str]) -> str | None:
    return _("Warning: most of the time allowed is used") if team else None


def _breached(clock: Clock, data: dict, team: bool, calendars: dict[int, str]) -> str | None:
    return _("Breached: the deadline passed") if team else _("Our deadline passed")


def _stopped(clock: Clock, data: dict, team: bool, calendars: dict[int, str]) -> str | None:
    if data.get("withdrawn"):
        if team:
            return _("Stopped: the work was withdrawn, so it counts as neither met nor missed")
        return _("Cancelled, so this promise no longer applies")
    return _outcome(clock.kind, met=bool(data.get("met")), margin=_seconds(data.get("margin")), team=team, event=True)


def _reopened(clock: Clock, data: dict, team: bool, calendars: dict[int, str]) -> str | None:
    gap = business(_seconds(data.get("gap")))
    if team:
        return _("Reopened: carries on with the time already used; the %(gap)s it stood resolved are not counted") % {
            "gap": gap
        }
    return _("Reopened: we carry on where we left off; the %(gap)s it stood resolved are not counted") % {"gap": gap}


def _for_requester(reason: str | None) -> str | None:
    """Why our deadline moved, in the requester's words (None for a reason without any)."""
    return {
        RepairReason.PRIORITY: _("the priority of your ticket changed"),
        RepairReason.POLICY: _("the service level that applies to it changed"),
        RepairReason.CALENDAR: _("our opening hours or closures changed"),
    }.get(reason)


def _repaired(clock: Clock, data: dict, team: bool, calendars: dict[int, str]) -> str | None:
    before, after = data.get("from") or {}, data.get("to") or {}
    due_before, due_after = _moment(before.get("due")), _moment(after.get("due"))
    if due_after is None:  # recorded before recalculations kept what they changed
        return _("Recalculated after a change of policy, priority or calendar") if team else None
    moved = due_before != due_after
    if not team:
        if not moved:
            return None  # nothing changed for them
        why = _for_requester(data.get("reason"))
        if why is None:
            return _("Our deadline moved to %(due)s") % {"due": when(due_after)}
        return _("Our deadline moved to %(due)s because %(reason)s") % {"due": when(due_after), "reason": why}
    reason = data.get("reason")
    why = str(RepairReason(reason).label) if reason in RepairReason.values else _("of a change of policy or calendar")
    words = {"due": when(due_after), "reason": why}
    if moved:
        said = _("Deadline moved to %(due)s because %(reason)s") % words
    else:
        said = _("Recalculated because %(reason)s; the deadline stays %(due)s") % words
    details = []
    if moved and due_before is not None:
        details.append(_("was %(due)s") % {"due": when(due_before)})
    if before.get("target") is not None and before.get("target") != after.get("target"):
        details.append(
            _("target %(before)s, now %(after)s")
            % {"before": business(clock_target(before)), "after": business(clock_target(after))}
        )
    if before.get("calendar") is not None and before.get("calendar") != after.get("calendar"):
        details.append(
            _("counted on %(after)s instead of %(before)s")
            % {
                "after": calendars.get(after.get("calendar")) or _("another calendar"),
                "before": calendars.get(before["calendar"]) or _("another calendar"),
            }
        )
    if not details:
        return said
    return _("%(said)s (%(details)s)") % {"said": said, "details": "; ".join(details)}


TOLD = {
    EventKind.STARTED: _started,
    EventKind.PAUSED: _paused,
    EventKind.RESUMED: _resumed,
    EventKind.WARNED: _warned,
    EventKind.BREACHED: _breached,
    EventKind.STOPPED: _stopped,
    EventKind.REOPENED: _reopened,
    EventKind.REPAIRED: _repaired,
}


def _told(
    clock: Clock, events: Iterable[SlaEvent], *, team: bool, calendars: dict[int, str]
) -> list[tuple[datetime, str]]:
    told = []
    for event in events:
        say = TOLD.get(event.kind)
        words = say(clock, event.data or {}, team, calendars) if say else None
        if words:
            told.append((event.at, words))
    return told


def _outcome(kind: str, *, met: bool, margin: timedelta, team: bool, event: bool = False) -> str:
    """How a stopped clock ended: met with time to spare, or late by how much."""
    words = {"margin": business(margin)}
    if kind == TargetKind.PROVIDER:
        if met:
            return _("The supplier answered with %(margin)s to spare") % words
        return _("The supplier answered %(margin)s late: their contract time was breached") % words
    if team:
        if met:
            return _("Met with %(margin)s to spare") % words
        return (_("Breached by %(margin)s") if event else _("Missed by %(margin)s")) % words
    if kind == TargetKind.RESPONSE:
        return (_("We replied with %(margin)s to spare") if met else _("We replied %(margin)s late")) % words
    return (_("Resolved with %(margin)s to spare") if met else _("Resolved %(margin)s late")) % words


def standing(
    clock: Clock, now: datetime, *, audience: str = TEAM, events: list[SlaEvent] | None = None
) -> tuple[str, str]:
    """Where the clock stands at `now`, in a few words, and its tone: "met", "missed", "withdrawn",
    "paused", "due" or "late". `events` are the clock's, oldest first (read when not given)."""
    team = _audience(audience, None) == TEAM
    verdict = clock.verdict
    if verdict == Verdict.WITHDRAWN:
        if team:
            return _("Withdrawn: the work was cancelled, so neither met nor missed"), verdict.value
        return _("Cancelled, so this promise no longer applies"), verdict.value
    if verdict is not None:
        events = list(clock.events.all()) if events is None else events
        stop = next((e for e in reversed(events) if e.kind == EventKind.STOPPED), None)
        if stop is not None:
            margin = _seconds((stop.data or {}).get("margin"))
        else:
            margin = clock.target - (clock.used or ZERO)
        return _outcome(clock.kind, met=verdict == Verdict.MET, margin=margin, team=team), verdict.value
    remaining = clock.remaining(now)
    if clock.is_paused:
        words = {"late": business(remaining), "left": business(remaining)}
        if remaining < ZERO:
            said = (
                _("Paused now; already overdue by %(late)s")
                if team
                else _("On hold while we wait for you; already %(late)s late")
            )
        else:
            said = (
                _("Paused now; %(left)s left when it resumes")
                if team
                else _("On hold while we wait for you; %(left)s left once you answer")
            )
        return said % words, "paused"
    if clock.due_at >= now:  # a deadline passes only after its instant
        words = {"due": when(clock.due_at), "left": business(remaining)}
        if team:
            said = _("Due %(due)s (%(left)s of business time left)")
        elif clock.kind == TargetKind.RESPONSE:
            said = _("We will reply by %(due)s")
        else:
            said = _("We aim to resolve it by %(due)s")
        return said % words, "due"
    words = {"due": when(clock.due_at), "late": business(remaining)}
    said = _("Overdue since %(due)s (late by %(late)s)") if team else _("We are late: this was due by %(due)s")
    return said % words, "late"


def calendar_names(clocks: Iterable[Clock], events: Iterable[SlaEvent]) -> dict[int, str]:
    """Calendar names by id for recalculations that moved clocks between calendars: the clocks' own, and
    one query for any others the events name."""
    names = {clock.calendar_id: clock.calendar.name for clock in clocks}
    named = set()
    for event in events:
        if event.kind == EventKind.REPAIRED:
            data = event.data or {}
            named |= {(data.get(side) or {}).get("calendar") for side in ("from", "to")}
    missing = {pk for pk in named if pk is not None and pk not in names}
    if missing:
        names.update(Calendar.objects.filter(pk__in=missing).values_list("pk", "name"))
    return names


# -- a thing's clocks together: the ticket page's "our promise" ---------------------------------------------


@dataclass(frozen=True)
class ClockStory:
    """One clock told to one audience: a title, where it stands, and its timeline."""

    clock: Clock
    title: str
    standing: str
    tone: str
    entries: list[Entry]
    about: str = ""  # the team's: target, priority, policy, calendar


@dataclass(frozen=True)
class Promise:
    """A thing's clocks explained to one audience: ours first (first response, resolution), then, for the
    team, the providers'. `running` holds our clocks still counting, by kind, whoever reads. `split` is
    our part and the providers' of the resolution time (Measured.time_split) when the thing waited on a
    provider, told in `split_words` (empty for the requester when no time went on a supplier)."""

    stories: list[ClockStory]
    running: dict[str, Clock] = field(default_factory=dict)
    split: dict[str, timedelta] | None = None
    split_words: str = ""


def clocks_of(subject: models.Model) -> list[Clock]:
    """The clocks of `subject` with their calendars, policies and events, oldest first: two queries
    however many clocks and events there are."""
    return list(
        Clock.objects.for_subject(subject)
        .select_related("calendar", "policy")
        .prefetch_related("events")
        .order_by("started_at", "pk")
    )


def explain(subject: models.Model, now: datetime | None = None, *, audience: str = TEAM) -> Promise:
    """The clocks of `subject` (a Measured model, such as a ticket) told to `audience`, in a fixed number
    of queries: the clocks and their events; one for calendar names when a recalculation moved a clock
    to another calendar (team only); and the few of `time_split` when it waited on a provider."""
    now = now or timezone.now()
    team = _audience(audience, None) == TEAM
    clocks = clocks_of(subject)
    ours = sorted((c for c in clocks if c.kind in OUR_TARGETS), key=lambda c: OUR_TARGETS.index(c.kind))
    providers = [c for c in clocks if c.kind == TargetKind.PROVIDER]
    shown = [*ours, *providers] if team else ours
    events = {clock.pk: list(clock.events.all()) for clock in shown}
    calendars = calendar_names(shown, (e for told in events.values() for e in told)) if team else {}
    stories = [_story(clock, now, events[clock.pk], team=team, calendars=calendars) for clock in shown]
    running = {clock.kind: clock for clock in ours if clock.stopped_at is None}
    split = subject.time_split(now) if providers and hasattr(subject, "time_split") else None
    return Promise(stories, running, split, _split_words(split, team=team) if split else "")


def _story(clock: Clock, now: datetime, events: list[SlaEvent], *, team: bool, calendars: dict[int, str]) -> ClockStory:
    audience = TEAM if team else REQUESTER
    said, tone = standing(clock, now, audience=audience, events=events)
    entries = [Entry(at, words, when(at)) for at, words in _told(clock, events, team=team, calendars=calendars)]
    return ClockStory(clock, _title(clock, team=team), said, tone, entries, _about(clock) if team else "")


def _title(clock: Clock, *, team: bool) -> str:
    if clock.kind == TargetKind.PROVIDER:
        return _("Supplier: %(name)s") % {"name": clock.label} if clock.label else _("Supplier")
    if clock.kind == TargetKind.RESPONSE:
        return _("First response") if team else _("Our first reply")
    return _("Resolution") if team else _("Resolving it")


def _about(clock: Clock) -> str:
    """The team's facts about a clock: its target, priority, policy and calendar."""
    target = {"target": business(clock.target)}
    if clock.kind == TargetKind.PROVIDER:
        parts = [_("%(target)s of business time under their contract") % target]
    else:
        parts = [_("%(target)s of business time") % target]
    if clock.priority:
        parts.append(str(clock.get_priority_display()))
    if clock.policy_id:
        parts.append(_("policy %(name)s") % {"name": clock.policy.name})
    parts.append(_("counted on %(calendar)s") % {"calendar": clock.calendar.name})
    return " · ".join(parts)


def _split_words(split: dict[str, timedelta], *, team: bool) -> str:
    ours, theirs = split["ours"], split["provider"]
    words = {"total": business(ours + theirs), "ours": business(ours), "theirs": business(theirs)}
    if team:
        return (
            _(
                "Our part and theirs: of the %(total)s of business time counted on resolving it, "
                "%(ours)s were ours and %(theirs)s went on waiting for suppliers."
            )
            % words
        )
    if theirs <= ZERO:
        return ""
    return (
        _(
            "Of the %(total)s counted on resolving it, %(theirs)s went on waiting for a supplier. "
            "That time still counts towards our promise to you."
        )
        % words
    )
