"""Clocks on things being served: start, pause, resume, stop, repair, provider's part, timeline."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sla.models import Calendar, Clock, Closure, EventKind, Policy, TargetKind, Verdict
from sla.models.calendars import compiled, compiled_versions
from sla.timeline import timeline
from tests.factories import ALWAYS_WEEK, CalendarFactory, MeasuredTeam, PolicyFactory, TeamFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
H, M = timedelta(hours=1), timedelta(minutes=1)
TUESDAY_9 = datetime(2026, 11, 24, 9, tzinfo=STOCKHOLM)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Stockholm in the week of Monday 23 November 2026."""
    return datetime(2026, 11, day, hour, minute, tzinfo=STOCKHOLM)


@pytest.fixture
def office(db):
    return CalendarFactory(name="Stockholm office")


@pytest.fixture
def job(db):
    return MeasuredTeam.objects.get(pk=TeamFactory().pk)


def test_a_clock_counts_only_open_time(office):
    clock = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=8 * H, at=TUESDAY_9)
    # 09-12 and 13-17 on Tuesday is 7 h; the eighth hour is Wednesday 08-09.
    assert clock.due_at == at(25, 9)
    assert clock.warn_at == at(24, 16)  # 75 % of 8 h = 6 h
    assert clock.elapsed(at(24, 12, 30)) == 3 * H  # lunch is not counted
    assert clock.remaining(at(24, 12, 30)) == 5 * H
    assert list(clock.events.values_list("kind", flat=True)) == [EventKind.STARTED]


def test_pausing_moves_the_deadline_by_exactly_the_business_time_paused(office):
    clock = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=8 * H, at=TUESDAY_9)
    assert clock.pause(at=at(24, 11), reason="waiting on you")
    assert clock.elapsed(at(25, 10)) == 2 * H  # frozen while paused
    assert clock.resume(at=at(24, 15, 10))  # paused 11-12 and 13-15:10 = 3 h 10 m of business time
    assert clock.paused_for == 3 * H + 10 * M
    assert clock.due_at == at(25, 13, 10)  # 11 h 10 m of open time from Tuesday 09:00
    assert clock.warn_at == at(25, 10, 10)  # 6 h + 3 h 10 m
    assert clock.events.get(kind=EventKind.RESUMED).data["paused"] == (3 * H + 10 * M).total_seconds()


def test_a_pause_over_a_night_and_a_weekend_costs_only_open_time(office):
    clock = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=8 * H, at=at(27, 16))  # Friday
    clock.pause(at=at(27, 16, 30), reason="waiting on you")
    clock.resume(at=at(30, 8, 15))  # Monday
    assert clock.paused_for == 45 * M
    assert clock.due_at == at(30, 16, 45)  # Fri 16-17, Mon 08-12 and 13-16:45


def test_pause_and_resume_refuse_what_does_not_apply(office):
    clock = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=TUESDAY_9, pausable=False)
    assert clock.pause(at=at(24, 9, 30), reason="waiting") is False
    assert clock.resume(at=at(24, 9, 40)) is False
    clock.stop(at=at(24, 9, 45))
    assert clock.pause(at=at(24, 10), reason="waiting") is False
    assert clock.stop(at=at(24, 11)) is False


def test_stop_records_met_with_margin_or_breached_by(office):
    met = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=TUESDAY_9)
    met.stop(at=at(24, 9, 25))
    assert met.verdict == Verdict.MET
    assert met.events.get(kind=EventKind.STOPPED).data == {
        "met": True,
        "margin": (35 * M).total_seconds(),
        "used": (25 * M).total_seconds(),
    }
    assert met.used == 25 * M

    late = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=at(24, 11, 30))
    late.stop(at=at(24, 13, 35))  # due 13:30 (lunch skipped), five minutes late
    assert late.verdict == Verdict.MISSED
    assert late.breached_at == at(24, 13, 30)
    assert late.events.get(kind=EventKind.BREACHED).at == at(24, 13, 30)
    assert late.events.get(kind=EventKind.STOPPED).data["margin"] == (5 * M).total_seconds()


def test_a_withdrawn_clock_is_neither_met_nor_missed_but_keeps_its_history(office):
    clock = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=TUESDAY_9)
    clock.stop(at=at(24, 11), withdrawn=True)  # an hour late when the work was withdrawn
    clock.refresh_from_db()
    assert clock.withdrawn and clock.verdict == Verdict.WITHDRAWN
    assert clock.breached_at == at(24, 10)  # what happened stays on record
    assert clock.events.get(kind=EventKind.STOPPED).data["withdrawn"] is True
    assert "withdrawn" in timeline(clock, at(24, 12))[-1].text


def test_repair_keeps_elapsed_and_paused_time_on_a_new_calendar(office, db):
    clock = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=8 * H, at=TUESDAY_9)
    clock.pause(at=at(24, 10), reason="waiting on you")
    clock.resume(at=at(24, 14))  # 10-12 and 13-14: 3 h paused on office hours
    always = CalendarFactory(name="Round the clock", week=ALWAYS_WEEK)

    clock.repair(at=at(24, 15), target=4 * H, calendar=always, reason="calendar")

    # Re-measured on the 24/7 calendar the pause was 4 h (10:00-14:00): start 09:00 + 4 h + 4 h paused.
    assert clock.paused_for == 4 * H
    assert clock.due_at == at(24, 17)
    assert clock.elapsed(at(24, 15)) == 2 * H  # 09-10 and 14-15: nothing lost, nothing invented
    repaired = clock.events.get(kind=EventKind.REPAIRED).data
    assert repaired["from"]["target"] == (8 * H).total_seconds()
    assert repaired["to"]["target"] == (4 * H).total_seconds()


def test_repair_while_paused_keeps_the_open_pause(office):
    clock = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=8 * H, at=TUESDAY_9)
    clock.pause(at=at(24, 10), reason="waiting on you")
    clock.repair(at=at(24, 11), target=16 * H, calendar=office, reason="calendar")
    assert clock.is_paused
    clock.resume(at=at(24, 14))
    assert clock.paused_for == 3 * H
    assert clock.elapsed(at(24, 15)) == 2 * H


def test_breaching_in_the_next_hour_is_one_indexed_query(office, django_assert_num_queries):
    soon = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=30 * M, at=TUESDAY_9)
    Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=4 * H, at=TUESDAY_9)
    paused = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=30 * M, at=TUESDAY_9)
    paused.pause(at=at(24, 9, 5), reason="waiting")
    with django_assert_num_queries(1):
        assert list(Clock.objects.breaching_by(at(24, 10))) == [soon]


def test_measured_subject_starts_pauses_and_repairs_its_clocks(job, db):
    always = CalendarFactory(name="24/7", week=ALWAYS_WEEK)
    policy = PolicyFactory(calendar=CalendarFactory(), targets__p1_calendar=always)
    response, resolution = job.start_clocks(policy=policy, priority="P3", at=TUESDAY_9, notify_email="desk@x.org")
    assert (response.due_at, resolution.due_at) == (at(24, 14), at(27, 9))

    response.stop(at=at(24, 9, 30))  # first response given
    paused = job.pause_clocks(at=at(24, 10), reason="waiting on you")
    assert [c.kind for c in paused] == [TargetKind.RESOLUTION]  # a first response already given is not paused
    job.resume_clocks(at=at(24, 11))

    job.repair_clocks(policy=policy, priority="P1", at=at(24, 12), reason="priority")  # raised to P1: counted 24/7, 4 h
    resolution.refresh_from_db()
    assert resolution.calendar == always
    assert resolution.due_at == at(24, 14)  # 09:00 + 4 h + the 1 h paused (10-11)
    response.refresh_from_db()
    assert response.due_at == at(24, 14)  # stopped clocks are history: not recomputed


def test_provider_clock_runs_beside_ours_and_splits_the_time(job, db):
    office = CalendarFactory()
    policy = PolicyFactory(calendar=office)
    job.start_clocks(policy=policy, priority="P3", at=TUESDAY_9)
    provider = job.start_provider_clock(at=at(24, 10), provider="Acme Networks", target=2 * H, calendar=office)
    assert provider.pausable is False
    job.pause_clocks(at=at(24, 10, 30), reason="waiting on you")
    provider.refresh_from_db()
    assert provider.is_running  # their clock is not ours to pause
    job.resume_clocks(at=at(24, 10, 30))
    provider.stop(at=at(24, 11))
    split = job.time_split(at(24, 15))
    assert split == {"ours": 4 * H, "provider": H}  # 5 h of business time, 1 h of it theirs


def test_timeline_explains_itself_in_the_readers_time_zone(office):
    clock = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=8 * H, at=TUESDAY_9)
    clock.pause(at=at(24, 11), reason="waiting on you")
    clock.resume(at=at(24, 15, 10))
    with timezone.override("America/New_York"):
        lines = [entry.text for entry in timeline(clock, now=at(24, 16))]
    assert lines == [
        "Tue 24 Nov 2026, 03:00 New York: Started: 8 h of business time allowed",
        "Tue 24 Nov 2026, 05:00 New York: Paused: waiting on you",
        "Tue 24 Nov 2026, 09:10 New York: Resumed after 3 h 10 m of business time paused",
        "Due Wed 25 Nov 2026, 07:10 New York (5 h 10 m of business time left)",
    ]


def test_timeline_of_a_stopped_clock_says_met_or_by_how_much(office):
    clock = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=TUESDAY_9)
    clock.stop(at=at(24, 10, 35))
    with timezone.override("Europe/Stockholm"):
        lines = [entry.text for entry in timeline(clock, now=at(24, 11))]
    assert lines[-2:] == [
        "Tue 24 Nov 2026, 10:00 Stockholm: Breached: the deadline passed",
        "Tue 24 Nov 2026, 10:35 Stockholm: Breached by 35 m",
    ]


def test_calendar_compiles_holidays_and_closures(db):
    new_york = CalendarFactory(time_zone="America/New_York", holiday_country="US", holiday_subdivision="NY")
    Closure.objects.create(
        calendar=new_york, name="Office move", start_date=date(2026, 8, 10), end_date=date(2026, 8, 11)
    )
    new_york = Calendar.objects.get(pk=new_york.pk)
    hours = new_york.working_hours()
    ny = ZoneInfo("America/New_York")
    assert not hours.is_open(datetime(2026, 7, 3, 10, tzinfo=ny))  # Independence Day observed
    assert not hours.is_open(datetime(2026, 8, 11, 10, tzinfo=ny))  # the team's own closure
    assert hours.is_open(datetime(2026, 8, 12, 10, tzinfo=ny))
    assert new_york.working_hours() is hours  # compiled once while unchanged


def test_policy_tiers_and_a_single_default(db):
    premium = PolicyFactory(name="Premium")
    standard = PolicyFactory(name="Standard", is_default=True, premium_policy=premium, premium_from_grade_level=5)
    assert Policy.default() == standard
    assert standard.tier(4) == (standard, False)
    assert standard.tier(5) == (premium, True)
    assert standard.tier(None) == (standard, False)  # no grade reaches no tier
    assert standard.target("P2", TargetKind.RESPONSE).duration == H
    assert standard.target("P9", TargetKind.RESPONSE) is None
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyFactory(name="Another default", is_default=True)


def test_utc_out_before_anything_is_saved(office):
    assert office.working_hours().add(TUESDAY_9, H).tzinfo is UTC
    assert Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=TUESDAY_9).due_at.tzinfo is UTC


def test_once_breached_always_breached_even_after_a_longer_target(office):
    from sla.scan import scan

    clock = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=TUESDAY_9)
    scan(at(24, 10, 5))
    clock.repair(at=at(24, 10, 10), target=4 * H, calendar=office, reason="calendar")
    clock.stop(at=at(24, 11))
    assert clock.verdict == Verdict.MISSED
    assert clock.events.get(kind=EventKind.STOPPED).data == {
        "met": False,
        "margin": H.total_seconds(),
        "used": (2 * H).total_seconds(),
    }


def test_pausing_an_overdue_clock_records_the_breach_at_its_deadline(office):
    clock = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=TUESDAY_9)
    clock.pause(at=at(24, 11), reason="waiting on you")
    assert clock.breached_at == at(24, 10)
    assert clock.events.get(kind=EventKind.BREACHED).at == at(24, 10)
    with timezone.override("Europe/Stockholm"):
        assert timeline(clock, now=at(24, 11, 30))[-1].text == "Paused now; already overdue by 1 h"


def test_a_stale_copy_does_not_undo_what_the_sweep_marked(office):
    from sla.scan import scan

    stale = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=TUESDAY_9)
    scan(at(24, 10, 5))
    stale.repair(at=at(24, 10, 10), target=2 * H, calendar=office, reason="calendar")
    stale.refresh_from_db()
    assert stale.breached_at == at(24, 10)


def test_provider_time_counts_only_while_our_clock_counts(job, db):
    office = CalendarFactory()
    job.start_clocks(policy=PolicyFactory(calendar=office), priority="P3", at=TUESDAY_9)
    provider = job.start_provider_clock(at=at(24, 10), provider="Acme", target=2 * H, calendar=office)
    job.pause_clocks(at=at(24, 10, 30), reason="waiting on you")
    job.resume_clocks(at=at(24, 11, 30))
    provider.stop(at=at(24, 11))
    # 09-15 minus lunch is 5 h, 1 h of it paused: 4 h counted; the provider's part is 10:00-10:30.
    assert job.time_split(at(24, 15)) == {"ours": 3 * H + 30 * M, "provider": 30 * M}


def test_editing_a_calendars_rows_rebuilds_its_compiled_hours(office):
    from sla.models import Calendar, Closure

    assert office.working_hours().is_open(at(25, 10))
    Closure.objects.create(calendar=office, name="Move", start_date=date(2026, 11, 25))
    assert not Calendar.objects.get(pk=office.pk).working_hours().is_open(at(25, 10))


def test_many_calendars_compile_with_two_queries_for_their_rows(db, django_assert_num_queries):
    made = [CalendarFactory(), CalendarFactory(week=ALWAYS_WEEK), CalendarFactory()]
    for calendar in made:
        calendar.touch()  # changed since any compiled copy
    calendars = list(Calendar.objects.filter(pk__in=[c.pk for c in made]))
    with django_assert_num_queries(2):  # opening hours and closures of all three
        hours = compiled(calendars)
    assert hours[made[1].pk].is_always_open and not hours[made[0].pk].is_always_open
    with django_assert_num_queries(0):
        compiled(calendars)


def test_calendars_known_by_version_compile_only_when_changed(db, django_assert_num_queries):
    made = [CalendarFactory(), CalendarFactory(week=ALWAYS_WEEK)]
    compiled(made)
    with django_assert_num_queries(0):  # as read beside the desk's clocks: id and updated_at
        hours = compiled_versions({c.pk: c.updated_at for c in made})
    assert hours[made[1].pk].is_always_open and not hours[made[0].pk].is_always_open
    made[1].touch()
    with django_assert_num_queries(3):  # the changed calendar, its opening hours and its closures
        hours = compiled_versions({c.pk: c.updated_at for c in made})
    assert set(hours) == {made[0].pk, made[1].pk}
