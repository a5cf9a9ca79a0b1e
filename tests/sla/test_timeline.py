"""A clock explains itself: every event for the team, the promise in their words for the requester."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sla.models import Clock, RepairReason, TargetKind
from sla.scan import scan
from sla.timeline import REQUESTER, TEAM, standing, timeline
from tests.factories import ALWAYS_WEEK, CalendarFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
H, M = timedelta(hours=1), timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Stockholm in the week of Monday 23 November 2026 (office hours 08-12, 13-17)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=STOCKHOLM)


@pytest.fixture(autouse=True)
def _in_stockholm():
    with timezone.override("Europe/Stockholm"):
        yield


@pytest.fixture
def office(db):
    return CalendarFactory(name="Stockholm office")


def lines(clock: Clock, now: datetime, audience: str) -> list[str]:
    return [entry.text for entry in timeline(clock, now, audience=audience)]


def resolution(office, target=8 * H) -> Clock:
    return Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=target, at=at(24, 9))


def test_the_requester_reads_waits_in_their_words_and_no_warning(office):
    clock = resolution(office)
    clock.pause(at=at(24, 11), reason="waiting on the requester")
    clock.resume(at=at(24, 15, 10))  # 11-12 and 13-15:10: 3 h 10 m of opening hours
    scan(at(25, 11))  # the warning (6 h used) passed at Wednesday 10:10
    assert lines(clock, at(25, 11), REQUESTER) == [
        "Tue 24 Nov 2026, 09:00 Stockholm: Our promise began: resolved within 8 h, counted in our opening hours",
        "Tue 24 Nov 2026, 11:00 Stockholm: Paused while we waited for you",
        "Tue 24 Nov 2026, 15:10 Stockholm: Carried on: paused for 3 h 10 m while we waited for you",
        "We aim to resolve it by Wed 25 Nov 2026, 13:10 Stockholm",
    ]
    assert lines(clock, at(25, 11), TEAM) == [
        "Tue 24 Nov 2026, 09:00 Stockholm: Started: 8 h of business time allowed",
        "Tue 24 Nov 2026, 11:00 Stockholm: Paused: waiting on the requester",
        "Tue 24 Nov 2026, 15:10 Stockholm: Resumed after 3 h 10 m of business time paused",
        "Wed 25 Nov 2026, 10:10 Stockholm: Warning: most of the time allowed is used",
        "Due Wed 25 Nov 2026, 13:10 Stockholm (1 h 10 m of business time left)",
    ]


def test_times_are_told_in_the_readers_zone(office):
    clock = resolution(office)
    with timezone.override("America/New_York"):
        assert lines(clock, at(24, 10), REQUESTER)[-1] == "We aim to resolve it by Wed 25 Nov 2026, 03:00 New York"


def test_a_priority_change_moves_the_deadline_and_says_why(office):
    clock = resolution(office)
    clock.repair(at=at(24, 10), target=4 * H, calendar=office, reason=RepairReason.PRIORITY)
    assert lines(clock, at(24, 10), TEAM)[1] == (
        "Tue 24 Nov 2026, 10:00 Stockholm: Deadline moved to "
        "Tue 24 Nov 2026, 14:00 Stockholm because the priority changed "
        "(was Wed 25 Nov 2026, 09:00 Stockholm; target 8 h, now 4 h)"
    )
    assert lines(clock, at(24, 10), REQUESTER)[1] == (
        "Tue 24 Nov 2026, 10:00 Stockholm: Our deadline moved to Tue 24 Nov 2026, 14:00 Stockholm "
        "because the priority of your ticket changed"
    )


def test_a_move_to_other_hours_names_the_calendars_for_the_team_only(office):
    clock = resolution(office)
    around_the_clock = CalendarFactory(name="Around the clock", week=ALWAYS_WEEK)
    clock.repair(at=at(24, 10), target=8 * H, calendar=around_the_clock, reason=RepairReason.CALENDAR)
    assert lines(clock, at(24, 10), TEAM)[1] == (
        "Tue 24 Nov 2026, 10:00 Stockholm: Deadline moved to "
        "Tue 24 Nov 2026, 17:00 Stockholm because the opening hours or "
        "closures changed "
        "(was Wed 25 Nov 2026, 09:00 Stockholm; counted on Around the clock instead of Stockholm office)"
    )
    told = lines(clock, at(24, 10), REQUESTER)
    assert told[1] == (
        "Tue 24 Nov 2026, 10:00 Stockholm: Our deadline moved to Tue 24 Nov 2026, 17:00 Stockholm "
        "because our opening hours or closures changed"
    )
    assert not any("Around the clock" in line or "office" in line for line in told)


def test_a_policy_change_is_told_to_the_requester_only_when_the_deadline_moves(office):
    clock = resolution(office)
    clock.repair(at=at(24, 10), target=8 * H, calendar=office, reason=RepairReason.POLICY)
    clock.repair(at=at(24, 11), target=16 * H, calendar=office, reason=RepairReason.POLICY)
    assert lines(clock, at(24, 11), TEAM)[1:3] == [
        "Tue 24 Nov 2026, 10:00 Stockholm: Recalculated because the service-level policy changed; "
        "the deadline stays Wed 25 Nov 2026, 09:00 Stockholm",
        "Tue 24 Nov 2026, 11:00 Stockholm: Deadline moved to "
        "Thu 26 Nov 2026, 09:00 Stockholm because the service-level "
        "policy changed (was Wed 25 Nov 2026, 09:00 Stockholm; target 8 h, now 16 h)",
    ]
    assert lines(clock, at(24, 11), REQUESTER)[1:] == [
        "Tue 24 Nov 2026, 11:00 Stockholm: Our deadline moved to Thu 26 Nov 2026, 09:00 Stockholm "
        "because the service level that applies to it changed",
        "We aim to resolve it by Thu 26 Nov 2026, 09:00 Stockholm",
    ]


def test_a_reopen_carries_on_and_leaves_out_the_time_it_stood_resolved(office):
    clock = resolution(office)
    clock.stop(at=at(24, 12))  # 3 h used of 8
    clock.reopen(at=at(25, 9))  # resolved over Tuesday 13-17 and Wednesday 08-09: 5 h
    assert lines(clock, at(25, 9), TEAM)[1:] == [
        "Tue 24 Nov 2026, 12:00 Stockholm: Met with 5 h to spare",
        "Wed 25 Nov 2026, 09:00 Stockholm: Reopened: carries on with the time already used; "
        "the 5 h it stood resolved are not counted",
        "Due Wed 25 Nov 2026, 15:00 Stockholm (5 h of business time left)",
    ]
    assert lines(clock, at(25, 9), REQUESTER)[1:3] == [
        "Tue 24 Nov 2026, 12:00 Stockholm: Resolved with 5 h to spare",
        "Wed 25 Nov 2026, 09:00 Stockholm: Reopened: we carry on where we left off; "
        "the 5 h it stood resolved are not counted",
    ]


def test_how_a_reply_ended_is_told_with_the_time_to_spare_or_how_late(office):
    on_time = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=4 * H, at=at(24, 9))
    on_time.stop(at=at(24, 11))
    late = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=at(24, 9))
    late.stop(at=at(24, 10, 35))
    now = at(24, 12)
    assert standing(on_time, now, audience=REQUESTER) == ("We replied with 2 h to spare", "met")
    assert standing(on_time, now, audience=TEAM) == ("Met with 2 h to spare", "met")
    assert standing(late, now, audience=REQUESTER) == ("We replied 35 m late", "missed")
    assert standing(late, now, audience=TEAM) == ("Missed by 35 m", "missed")
    assert lines(late, now, REQUESTER)[1:] == [
        "Tue 24 Nov 2026, 10:00 Stockholm: Our deadline passed",
        "Tue 24 Nov 2026, 10:35 Stockholm: We replied 35 m late",
    ]


def test_cancelled_work_is_withdrawn_not_late(office):
    clock = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=at(24, 9))
    clock.stop(at=at(24, 11), withdrawn=True)
    assert standing(clock, at(24, 12), audience=REQUESTER) == (
        "Cancelled, so this promise no longer applies",
        "withdrawn",
    )
    assert lines(clock, at(24, 12), REQUESTER)[-1].endswith("Cancelled, so this promise no longer applies")


def test_a_paused_clock_stands_on_hold_for_the_requester(office):
    clock = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=4 * H, at=at(24, 9))
    clock.pause(at=at(24, 10), reason="waiting on the requester")
    assert standing(clock, at(24, 16), audience=REQUESTER) == (
        "On hold while we wait for you; 3 h left once you answer",
        "paused",
    )


def test_a_providers_clock_is_the_teams_alone(office):
    clock = Clock.begin(kind=TargetKind.PROVIDER, label="Acme Networks", calendar=office, target=4 * H, at=at(24, 9))
    clock.stop(at=at(24, 11))
    assert timeline(clock, at(24, 12), audience=REQUESTER) == []
    assert lines(clock, at(24, 12), TEAM) == [
        "Tue 24 Nov 2026, 09:00 Stockholm: Started: Acme Networks has 4 h of business time under their contract",
        "Tue 24 Nov 2026, 11:00 Stockholm: The supplier answered with 2 h to spare",
    ]


def test_the_audience_is_named_or_given_as_full(office):
    clock = resolution(office)
    clock.pause(at=at(24, 11), reason="waiting on the requester")
    now = at(24, 12)
    assert [e.text for e in timeline(clock, now, full=False)] == lines(clock, now, REQUESTER)
    assert [e.text for e in timeline(clock, now, full=True)] == lines(clock, now, TEAM)
    with pytest.raises(ValueError, match="audience"):
        timeline(clock, now, audience="everyone")
