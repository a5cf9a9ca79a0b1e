"""Repair on change: editing a calendar or a policy re-times the clocks still counting on it, set-based,
exactly as Clock.repair would clock by clock; finished clocks keep their verdicts."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import (
    Calendar,
    Clock,
    Closure,
    EventKind,
    OpeningHours,
    Policy,
    RepairReason,
    SlaEvent,
    Target,
    TargetKind,
)
from sla.repair import (
    calendar_changed,
    clocks_moved_by,
    clocks_retimed,
    policy_changed,
    retime_calendar,
    retime_policy,
)
from sla.scan import scan
from tests.factories import ALWAYS_WEEK, CalendarFactory, MeasuredTeam, PolicyFactory, TeamFactory, ticket

STOCKHOLM = ZoneInfo("Europe/Stockholm")
H = timedelta(hours=1)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Stockholm in 2026 (summer time ends on Sunday 25 October at 03:00)."""
    return datetime(2026, month, day, hour, minute, tzinfo=STOCKHOLM)


@pytest.fixture
def office(db):
    return CalendarFactory(name="Stockholm office")  # Mon-Fri 08-12 and 13-17


def subject():
    return MeasuredTeam.objects.get(pk=TeamFactory().pk)


def repaired(clock: Clock) -> list[SlaEvent]:
    return list(clock.events.filter(kind=EventKind.REPAIRED))


def row(clock: Clock) -> tuple:
    clock.refresh_from_db()
    return (
        *(clock.calendar_id, clock.target, clock.warn_after, clock.pausable, clock.paused_for),
        *(clock.due_at, clock.warn_at, clock.paused_at, clock.stopped_at, clock.breached_at, clock.warned_at),
    )


# -- a calendar edit --------------------------------------------------------------------------------------


def test_a_closure_moves_a_running_deadline_by_exactly_that_days_hours(office, django_capture_on_commit_callbacks):
    clock = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=16 * H, at=at(11, 24, 9))
    assert clock.due_at == at(11, 26, 9)  # Tue 7 h, Wed 8 h, Thu 1 h
    Closure.objects.create(calendar=office, name="Office move", start_date=date(2026, 11, 25))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        calendar_changed(office, at=at(11, 24, 10))
    assert len(callbacks) == 1

    clock.refresh_from_db()
    assert clock.due_at == at(11, 27, 9)  # Wednesday's 8 business hours later: Friday 09:00
    assert clock.warn_at == at(11, 26, 14)  # 12 h used: Tue 7 h, Thu 08-12 and 13-14
    [event] = repaired(clock)
    assert event.at == at(11, 24, 10)
    assert event.data["reason"] == RepairReason.CALENDAR == "calendar"
    assert datetime.fromisoformat(event.data["from"]["due"]) == at(11, 26, 9)
    assert datetime.fromisoformat(event.data["to"]["due"]) == at(11, 27, 9)


def test_nothing_is_enqueued_when_the_edit_rolls_back(office, django_capture_on_commit_callbacks):
    clock = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=16 * H, at=at(11, 24, 9))
    Closure.objects.create(calendar=office, name="Office move", start_date=date(2026, 11, 25))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        calendar_changed(office, at=at(11, 24, 10))
    assert len(callbacks) == 1  # waits for the commit; never run here
    clock.refresh_from_db()
    assert clock.due_at == at(11, 26, 9)
    assert not repaired(clock)


def test_finished_clocks_and_their_verdicts_are_untouched(office):
    met = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=4 * H, at=at(11, 24, 9))
    met.stop(at=at(11, 24, 10))
    missed = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=at(11, 24, 9))
    missed.stop(at=at(11, 24, 11))
    before = {clock.pk: row(clock) for clock in (met, missed)}
    events = list(SlaEvent.objects.order_by("pk").values_list("pk", "kind", "at", "data"))

    Closure.objects.create(calendar=office, name="Office move", start_date=date(2026, 11, 24))
    assert retime_calendar(office.pk, at=at(11, 24, 12)) == 0

    assert {clock.pk: row(clock) for clock in (met, missed)} == before
    assert (met.verdict, missed.verdict) == ("met", "missed")
    assert list(SlaEvent.objects.order_by("pk").values_list("pk", "kind", "at", "data")) == events


def test_running_and_paused_clocks_a_change_makes_late_are_late_from_the_change(office):
    paused = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=4 * H, at=at(11, 23, 16))
    running = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=4 * H, at=at(11, 23, 16))
    paused.pause(at=at(11, 23, 16, 30), reason="waiting on you")
    assert running.due_at == at(11, 24, 11)  # Monday 16-17 and Tuesday 08-11
    # Open round the clock after all: both would have been due on Monday at 20:00, before the edit.
    office.opening_hours.all().delete()
    for day in range(7):
        OpeningHours(calendar=office, weekday=day, opens="00:00", closes="24:00").save()

    assert retime_calendar(office.pk, at=at(11, 24, 9)) == 2

    paused.refresh_from_db()
    running.refresh_from_db()
    assert paused.due_at == at(11, 24, 9)  # not due before the change, though it never counted after it
    assert paused.is_paused
    assert running.due_at == at(11, 24, 9)  # late by the change, from the change on
    assert paused.breached_at is None and running.breached_at is None


def test_clocks_that_never_warn_are_retimed_without_a_warning(office):
    quiet = [
        Clock.begin(kind=TargetKind.PROVIDER, calendar=office, target=16 * H, at=at(11, 24, 9), warning_percent=None)
        for _ in range(2)
    ]
    Closure.objects.create(calendar=office, name="Office move", start_date=date(2026, 11, 25))
    assert retime_calendar(office.pk, at=at(11, 24, 10)) == 2
    for clock in quiet:
        clock.refresh_from_db()
        assert (clock.due_at, clock.warn_at, clock.warn_after) == (at(11, 27, 9), None, None)


def test_a_breach_already_recorded_stays(office):
    clock = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=at(11, 24, 9))
    scan(at(11, 24, 10, 5))
    Closure.objects.create(calendar=office, name="Strike", start_date=date(2026, 11, 24))
    retime_calendar(office.pk, at=at(11, 24, 10, 10))
    clock.refresh_from_db()
    assert clock.due_at == at(11, 25, 9)  # counted from Wednesday now
    assert clock.breached_at == at(11, 24, 10)  # but it was late, and that stays


def test_a_breach_no_sweep_has_seen_yet_is_recorded_at_its_deadline_not_hidden(office):
    clock = Clock.begin(kind=TargetKind.RESPONSE, calendar=office, target=H, at=at(11, 24, 9))
    Closure.objects.create(calendar=office, name="Strike", start_date=date(2026, 11, 24))
    retime_calendar(office.pk, at=at(11, 24, 11))  # due at 10:00; the sweep has not run since
    clock.refresh_from_db()
    assert clock.breached_at == at(11, 24, 10)  # it was late before the edit made Tuesday closed
    assert clock.due_at == at(11, 25, 9)
    assert list(clock.events.filter(kind__in=[EventKind.BREACHED, EventKind.WARNED]).values_list("kind", "at")) == [
        (EventKind.BREACHED, at(11, 24, 10))
    ]
    assert scan(at(11, 25, 10)).breached == 0  # recorded once


# -- set-based equals Clock.repair, clock by clock ------------------------------------------------------------


MOMENT = at(10, 26, 12)  # the edit: a Monday, the day after the change to winter time


def mixed_clocks(calendar: Calendar, policy: Policy | None = None) -> list[Clock]:
    """The same mix on any calendar: running, paused, paused and resumed across the change to winter
    time, reopened, breached, stopped, a provider's; started in the last week of summer time."""
    job = subject()

    def begin(kind, priority, target, start, **kwargs):
        return Clock.begin(
            kind=kind,
            calendar=calendar,
            target=target,
            at=start,
            subject=kwargs.pop("on", subject()),
            policy=policy if kind != TargetKind.PROVIDER else None,
            priority=priority if kind != TargetKind.PROVIDER else "",
            **kwargs,
        )

    running = begin(TargetKind.RESOLUTION, "P2", 48 * H, at(10, 23, 10), on=job)
    response = begin(TargetKind.RESPONSE, "P2", 8 * H, at(10, 23, 10), on=job)
    paused = begin(TargetKind.RESOLUTION, "P3", 40 * H, at(10, 23, 12))
    paused.pause(at=at(10, 24, 9), reason="waiting on you")
    resumed = begin(TargetKind.RESOLUTION, "P3", 72 * H, at(10, 23, 14))
    resumed.pause(at=at(10, 24, 10), reason="waiting on you")
    resumed.resume(at=at(10, 25, 12))  # the pause spans the 25-hour day
    reopened = begin(TargetKind.RESOLUTION, "P2", 24 * H, at(10, 23, 9))
    reopened.stop(at=at(10, 23, 20))
    reopened.reopen(at=at(10, 25, 8))
    breached = begin(TargetKind.RESOLUTION, "P1", 20 * H, at(10, 23, 9))
    stopped = begin(TargetKind.RESOLUTION, "P4", 20 * H, at(10, 23, 9))
    stopped.stop(at=at(10, 23, 11))
    provider = begin(TargetKind.PROVIDER, "", 30 * H, at(10, 24, 9), pausable=False)
    late_pause = begin(TargetKind.RESOLUTION, "P4", 40 * H, at(10, 23, 9))
    late_pause.pause(at=at(10, 24, 15), reason="waiting on you")  # 30 h used: a shorter target is spent
    # Swept early on Saturday (the breached and the response clock are recorded late), not since: the
    # running, resumed and reopened clocks pass their deadlines before the edit with no sweep seeing it.
    scan(at(10, 24, 6))
    clocks = [running, response, paused, resumed, reopened, breached, stopped, provider, late_pause]
    breached.refresh_from_db()
    assert breached.breached_at is not None
    return clocks


def twin_calendars() -> tuple[Calendar, Calendar]:
    """Two identical 24/7 Stockholm calendars, both then closed on Saturday 24 and Tuesday 27 October."""
    twins = CalendarFactory(week=ALWAYS_WEEK), CalendarFactory(week=ALWAYS_WEEK)
    return twins


def close_days(calendar: Calendar) -> None:
    for day in (24, 27):
        Closure.objects.create(calendar=calendar, name="Closed", start_date=date(2026, 10, day))


def alerts(clock: Clock) -> list[tuple[str, datetime]]:
    return list(clock.events.filter(kind__in=[EventKind.WARNED, EventKind.BREACHED]).values_list("kind", "at"))


def compare(set_based: list[Clock], one_by_one: list[Clock], *, calendar_of) -> None:
    """Same fields, the same warnings and breaches recorded, and the same repaired event wherever the
    deadline, warning, target or calendar moved (Clock.repair records one even when nothing moved; the
    set-based repair does not)."""
    for ours, reference in zip(set_based, one_by_one, strict=True):
        assert row(ours)[1:] == row(reference)[1:], ours.label or ours.kind
        assert calendar_of(ours.calendar_id) == calendar_of(reference.calendar_id)
        assert alerts(ours) == alerts(reference)
        theirs = repaired(reference)
        mine = repaired(ours)
        if ours.stopped_at is not None:
            assert mine == [] and theirs == []
            continue
        [expected] = theirs
        moved = (
            expected.data["from"]["due"] != expected.data["to"]["due"]
            or expected.data["from"]["target"] != (expected.data["to"]["target"])
        )
        if not moved and not mine:
            continue
        [event] = mine
        assert (event.at, event.data["reason"]) == (expected.at, expected.data["reason"])
        for side in ("from", "to"):
            assert {**event.data[side], "calendar": None} == {**expected.data[side], "calendar": None}


def test_set_based_calendar_repair_equals_clock_repair_clock_by_clock(db):
    mine, theirs = twin_calendars()
    set_based, one_by_one = mixed_clocks(mine), mixed_clocks(theirs)
    close_days(mine)
    close_days(theirs)
    moment = MOMENT

    retime_calendar(mine.pk, at=moment, batch_size=3)  # several batches
    theirs = Calendar.objects.get(pk=theirs.pk)
    for clock in one_by_one:
        clock.repair(at=moment, target=clock.target, calendar=theirs, reason=RepairReason.CALENDAR)

    compare(set_based, one_by_one, calendar_of={mine.pk: "A", theirs.pk: "A"}.get)
    assert len({row(clock)[5] for clock in set_based}) >= 3  # the deadlines did differ
    assert alerts(set_based[0]) == [(EventKind.BREACHED, at(10, 25, 9))]  # passed unswept, now recorded
    assert sum(len(repaired(clock)) for clock in set_based) >= 5


def test_set_based_policy_repair_equals_clock_repair_clock_by_clock(db):
    mine_cal, theirs_cal = twin_calendars()
    round_the_clock = CalendarFactory(week=ALWAYS_WEEK, time_zone="America/New_York")
    mine, theirs = PolicyFactory(calendar=mine_cal), PolicyFactory(calendar=theirs_cal)
    set_based, one_by_one = mixed_clocks(mine_cal, mine), mixed_clocks(theirs_cal, theirs)
    for policy in (mine, theirs):
        # P2 resolution faster and counted in New York; P3 no longer pauses; P4 resolution shorter than
        # the time a paused clock has used; warn later; P1 resolution gone.
        Target.objects.filter(policy=policy, priority="P2", kind=TargetKind.RESOLUTION).update(
            duration=12 * H, calendar=round_the_clock
        )
        Target.objects.filter(policy=policy, priority="P3").update(pauses_while_waiting=False)
        Target.objects.filter(policy=policy, priority="P4", kind=TargetKind.RESOLUTION).update(duration=20 * H)
        Target.objects.filter(policy=policy, priority="P1", kind=TargetKind.RESOLUTION).delete()
        Policy.objects.filter(pk=policy.pk).update(warning_percent=90)
    moment = MOMENT

    retime_policy(mine.pk, at=moment, batch_size=3)
    theirs = Policy.objects.get(pk=theirs.pk)
    for clock in one_by_one:
        target = theirs.target(clock.priority, clock.kind) if clock.kind != TargetKind.PROVIDER else None
        if target is None:
            continue
        clock.repair(
            at=moment,
            target=target.duration,
            calendar=target.calendar or theirs.calendar,
            reason=RepairReason.POLICY,
            warning_percent=theirs.warning_percent,
            pausable=target.pauses_while_waiting,
            policy=theirs,
        )

    same = {mine_cal.pk: "policy's", theirs_cal.pk: "policy's", round_the_clock.pk: "New York"}.get
    for ours, reference in zip(set_based, one_by_one, strict=True):
        if ours.kind == TargetKind.PROVIDER or (ours.priority, ours.kind) == ("P1", TargetKind.RESOLUTION):
            # Not ours to re-time, or no longer a target of the policy: left as it was.
            assert not repaired(ours)
            continue
        compare([ours], [reference], calendar_of=same)
    running = set_based[0]
    running.refresh_from_db()
    assert (running.calendar_id, running.target, running.warn_after) == (round_the_clock.pk, 12 * H, 12 * H * 0.9)


def test_a_policy_edit_retimes_that_policy_and_priority_only(office, django_capture_on_commit_callbacks):
    policy, other = PolicyFactory(calendar=office), PolicyFactory(calendar=office)
    p2, p3, elsewhere = subject(), subject(), subject()
    p2.start_clocks(policy=policy, priority="P2", at=at(11, 24, 9))
    p3.start_clocks(policy=policy, priority="P3", at=at(11, 24, 9))
    elsewhere.start_clocks(policy=other, priority="P2", at=at(11, 24, 9))
    before = {clock.pk: row(clock) for clock in Clock.objects.all()}
    Target.objects.filter(policy=policy, priority="P2", kind=TargetKind.RESOLUTION).update(duration=16 * H)

    with django_capture_on_commit_callbacks(execute=True):
        policy_changed(policy, at=at(11, 24, 9, 30))

    moved = p2.clock(TargetKind.RESOLUTION)
    assert moved.due_at == at(11, 26, 9)  # 8 h became 16 h: Tue 7 h, Wed 8 h, Thu 1 h
    assert moved.warn_at == at(11, 25, 14)  # 75 %: 12 h, Tue 7 h and Wed 08-12, 13-14
    assert [e.data["reason"] for e in repaired(moved)] == ["policy"]
    after = {clock.pk: row(clock) for clock in Clock.objects.exclude(pk=moved.pk)}
    assert after == {pk: values for pk, values in before.items() if pk != moved.pk}
    assert SlaEvent.objects.filter(kind=EventKind.REPAIRED).count() == 1


def test_the_signal_names_the_subjects_whose_clocks_moved(office):
    from django.contrib.contenttypes.models import ContentType

    moved, still = subject(), subject()
    Clock.begin(subject=moved, kind=TargetKind.RESOLUTION, calendar=office, target=16 * H, at=at(11, 24, 9))
    Clock.begin(subject=still, kind=TargetKind.RESOLUTION, calendar=office, target=H, at=at(11, 24, 9))
    Closure.objects.create(calendar=office, name="Office move", start_date=date(2026, 11, 25))
    heard = []

    def receiver(sender, subject_ids_by_type, reason, at, **kwargs):
        heard.append((subject_ids_by_type, reason, at))

    clocks_retimed.connect(receiver)
    try:
        retime_calendar(office.pk, at=at(11, 24, 9, 30))
    finally:
        clocks_retimed.disconnect(receiver)
    kind = ContentType.objects.get_for_model(MeasuredTeam).pk
    assert heard == [({kind: {moved.pk}}, "calendar", at(11, 24, 9, 30))]


@pytest.mark.parametrize("count", [10, 100])
def test_the_batch_queries_do_not_grow_with_the_clocks(count, office, django_assert_max_num_queries):
    for n in range(count):
        clock = Clock.begin(kind=TargetKind.RESOLUTION, calendar=office, target=16 * H, at=at(11, 24, 9))
        if n % 3 == 0:
            clock.pause(at=at(11, 24, 10), reason="waiting on you")
            clock.resume(at=at(11, 24, 11))
    Closure.objects.create(calendar=office, name="Office move", start_date=date(2026, 11, 25))
    # The calendar and its two kinds of rows; then per batch a savepoint, the clocks, their history, one
    # update, one insert of events, the release; and the empty batch that ends it.
    with django_assert_max_num_queries(12):
        assert retime_calendar(office.pk, at=at(11, 24, 10)) == count
    assert SlaEvent.objects.filter(kind=EventKind.REPAIRED).count() == count


def test_clocks_moved_by_counts_open_tickets_once(office):
    policy = PolicyFactory(calendar=office)
    for _ in range(3):
        subject().start_clocks(policy=policy, priority="P3", at=at(11, 24, 9))  # two clocks each
    done = subject()
    done.start_clocks(policy=policy, priority="P3", at=at(11, 24, 9))
    done.stop_clocks(at=at(11, 24, 10))
    Clock.begin(kind=TargetKind.PROVIDER, calendar=office, target=H, at=at(11, 24, 9), subject=subject())
    assert clocks_moved_by(calendar=office) == 3
    assert clocks_moved_by(policy=policy) == 3
    assert clocks_moved_by(calendar=CalendarFactory()) == 0


# -- through the admin ---------------------------------------------------------------------------------------

NOW = at(11, 24, 10)


def calendar_post(calendar: Calendar, *, closures=(), **fields) -> dict:
    """The edit form of `calendar` as the admin posts it: its fields and rows, plus new closures."""
    rows = list(calendar.opening_hours.all())
    data = {
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "holiday_country": calendar.holiday_country,
        "holiday_subdivision": calendar.holiday_subdivision,
        "description": calendar.description,
        "opening_hours-TOTAL_FORMS": str(len(rows)),
        "opening_hours-INITIAL_FORMS": str(len(rows)),
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "1000",
        "closures-TOTAL_FORMS": str(len(closures)),
        "closures-INITIAL_FORMS": "0",
        "closures-MIN_NUM_FORMS": "0",
        "closures-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, hours in enumerate(rows):
        data |= {
            f"opening_hours-{i}-id": str(hours.pk),
            f"opening_hours-{i}-weekday": str(hours.weekday),
            f"opening_hours-{i}-opens": hours.opens,
            f"opening_hours-{i}-closes": hours.closes,
            f"opening_hours-{i}-ORDER": str(i),
        }
    for i, (name, day) in enumerate(closures):
        data |= {
            f"closures-{i}-id": "",
            f"closures-{i}-name": name,
            f"closures-{i}-start_date": day.isoformat(),
            f"closures-{i}-end_date": "",
            f"closures-{i}-ORDER": str(i),
        }
    return data


@pytest.fixture
def desk(people, office):
    """Two open tickets and a closed one under a policy on the office calendar."""
    policy = PolicyFactory(calendar=office)
    raised = NOW - H
    tickets = [ticket(requester=people.requester, team=people.team, policy=policy, at=raised) for _ in range(2)]
    ticket(requester=people.requester, team=people.team, policy=policy, at=raised, state="closed")
    return policy, tickets


@time_machine.travel(NOW, tick=False)
def test_the_calendar_edit_page_says_how_many_open_tickets_a_save_retimes(people, client_for, office, desk):
    html = client_for(people.manager).get(f"/admin/calendar/edit/{office.pk}/").content.decode()
    assert "re-times the deadlines of 2 open tickets" in html
    assert "Finished tickets keep their verdicts." in html


def test_the_edit_page_of_a_calendar_nothing_counts_on_says_so(people, client_for):
    html = client_for(people.manager).get(f"/admin/calendar/edit/{CalendarFactory().pk}/").content.decode()
    assert "No open ticket is timed on this calendar, so saving changes moves no deadline." in html


@time_machine.travel(NOW, tick=False)
def test_saving_a_closure_in_the_admin_retimes_the_open_tickets(
    people, client_for, office, desk, django_capture_on_commit_callbacks
):
    _, (first, _) = desk
    clock = first.clock(TargetKind.RESOLUTION)
    due, hours = clock.due_at, office.working_hours()
    client = client_for(people.manager)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            f"/admin/calendar/edit/{office.pk}/",
            calendar_post(office, closures=[("Office move", date(2026, 11, 25))]),
            follow=True,
        )
    assert response.redirect_chain, response.content.decode()[:3000]
    assert len(callbacks) == 1  # once per save, not once per row
    clock.refresh_from_db()
    assert clock.due_at == hours.add(due, 8 * H)  # Wednesday closed: its 8 business hours later
    assert [e.data["reason"] for e in repaired(clock)] == ["calendar"]
    messages = [str(m) for m in response.context["messages"]]
    assert any("Re-timing the deadlines of 2 open tickets has started." in m for m in messages), messages


@time_machine.travel(NOW, tick=False)
def test_saving_what_moves_no_deadline_retimes_nothing(
    people, client_for, office, desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(people.manager).post(
            f"/admin/calendar/edit/{office.pk}/", calendar_post(office, description="Main office"), follow=True
        )
    assert Calendar.objects.get(pk=office.pk).description == "Main office"
    assert not callbacks
    assert not SlaEvent.objects.filter(kind=EventKind.REPAIRED).exists()
    assert not any("Re-timing" in str(m) for m in response.context["messages"])


def policy_post(policy: Policy, durations: dict | None = None) -> dict:
    targets = list(policy.targets.all())
    data = {
        "name": policy.name,
        "description": policy.description,
        "calendar": str(policy.calendar_id),
        "warning_percent": str(policy.warning_percent),
        "escalate_to": policy.escalate_to,
        "premium_policy": "",
        "premium_from_grade_level": "",
        "targets-TOTAL_FORMS": str(len(targets)),
        "targets-INITIAL_FORMS": str(len(targets)),
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    for i, target in enumerate(targets):
        duration = (durations or {}).get((target.priority, target.kind), target.duration)
        data |= {
            f"targets-{i}-id": str(target.pk),
            f"targets-{i}-priority": target.priority,
            f"targets-{i}-kind": target.kind,
            f"targets-{i}-duration": str(duration),
            f"targets-{i}-calendar": str(target.calendar_id or ""),
            f"targets-{i}-pauses_while_waiting": "on" if target.pauses_while_waiting else "",
            f"targets-{i}-ORDER": str(i),
        }
    return data


@time_machine.travel(NOW, tick=False)
def test_saving_a_policy_target_in_the_admin_retimes_its_open_tickets(
    people, client_for, office, desk, django_capture_on_commit_callbacks
):
    policy, (first, second) = desk
    priority = first.priority
    clock = first.clock(TargetKind.RESOLUTION)
    client = client_for(people.manager)
    assert "re-times the deadlines of 2 open tickets" in client.get(f"/admin/policy/edit/{policy.pk}/").content.decode()
    longer = policy.target(priority, TargetKind.RESOLUTION).duration + 8 * H

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/policy/edit/{policy.pk}/",
            policy_post(policy, {(priority, TargetKind.RESOLUTION): longer}),
            follow=True,
        )
    assert response.redirect_chain, response.content.decode()[:3000]
    due = clock.due_at
    clock.refresh_from_db()
    assert clock.target == longer
    assert clock.due_at == office.working_hours().add(due, 8 * H)  # 8 business hours more
    assert [e.data["reason"] for e in repaired(clock)] == ["policy"]
