"""The breach sweep: dated at the deadline, once per clock, set-based, and quiet at night."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from sla.models import Clock, EventKind, SlaEvent, TargetKind
from sla.scan import scan as sweep
from tests.factories import ALWAYS_WEEK, CalendarFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
H, M = timedelta(hours=1), timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=STOCKHOLM)


@pytest.fixture
def scan(django_capture_on_commit_callbacks):
    """The sweep, with its digests handed to the worker as a committed transaction would."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return sweep(now)

    return run


@pytest.fixture
def office(db):
    return CalendarFactory(name="Stockholm office")


@pytest.fixture
def always(db):
    return CalendarFactory(name="24/7", week=ALWAYS_WEEK)


def start(calendar, *, target=H, when=None, email="desk@example.org"):
    return Clock.begin(
        kind=TargetKind.RESPONSE, calendar=calendar, target=target, at=when or at(24, 9), notify_email=email
    )


def test_breaches_and_warnings_are_dated_at_the_deadline_not_the_scan(scan, office):
    clock = start(office)  # due 10:00, warn 09:45
    result = scan(at(24, 11, 7))
    assert (result.warned, result.breached) == (0, 1)  # past due: a breach, not a late warning too
    clock.refresh_from_db()
    assert clock.breached_at == at(24, 10)
    assert clock.events.get(kind=EventKind.BREACHED).at == at(24, 10)

    second = start(office)
    result = scan(at(24, 9, 50))
    assert (result.warned, result.breached) == (1, 0)
    assert second.events.get(kind=EventKind.WARNED).at == at(24, 9, 45)


def test_a_second_scan_changes_nothing(scan, office):
    start(office)
    first = scan(at(24, 11))
    again = scan(at(24, 12))
    assert (first.breached, again.breached, again.warned) == (1, 0, 0)
    assert SlaEvent.objects.filter(kind=EventKind.BREACHED).count() == 1
    assert len(mail.outbox) == 1


def test_paused_and_stopped_clocks_do_not_breach(scan, office):
    paused, stopped = start(office), start(office)
    paused.pause(at=at(24, 9, 10), reason="waiting on you")
    stopped.stop(at=at(24, 9, 20))
    assert scan(at(24, 16)).breached == 0


@pytest.mark.parametrize("clocks", [3, 60])
def test_scan_runs_a_fixed_number_of_queries_however_many_clocks(scan, office, clocks, django_assert_max_num_queries):
    for _ in range(clocks):
        start(office)
    # Marking, writing the digest and handing it to the mail server: the same count for 3 clocks or 60.
    with django_assert_max_num_queries(26):
        result = scan(at(24, 11))
    assert result.breached == clocks


def test_alerts_wait_for_the_team_to_open_unless_the_target_is_24_7(scan, office, always):
    office_clock = start(office, when=at(24, 16, 30), email="office@example.org")  # due Wed 08:30
    night_clock = start(always, when=at(24, 23), target=30 * M, email="oncall@example.org")  # due 23:30
    night = at(25, 2)
    result = scan(night)
    assert result.breached == 1 and result.alerts_sent == 1
    assert [m.to for m in mail.outbox] == [["oncall@example.org"]]

    office_clock.refresh_from_db()
    assert office_clock.due_at == at(25, 8, 30)
    scan(at(25, 8, 40))  # breached at 08:30 while open: told at once
    assert [m.to for m in mail.outbox][-1] == ["office@example.org"]
    assert "BREACHED" in mail.outbox[-1].body
    told = night_clock.events.get(kind=EventKind.BREACHED)
    assert told.queued_at == night and told.notified_at is not None  # accepted by the mail server


def test_a_breach_found_at_night_is_told_when_the_office_opens(scan, office):
    clock = start(office, when=at(24, 16, 30))  # due Wednesday 08:30
    Clock.objects.filter(pk=clock.pk).update(due_at=at(24, 20))  # as if the deadline fell in the evening
    assert scan(at(24, 22)).alerts_sent == 0
    assert mail.outbox == []
    assert scan(at(25, 7, 59)).alerts_sent == 0
    assert scan(at(25, 8, 0)).alerts_sent == 1
    assert len(mail.outbox) == 1


def test_one_digest_per_address(scan, office):
    for _ in range(3):
        start(office, email="desk@example.org")
    start(office, email="other@example.org")
    start(office, email="")
    result = scan(at(24, 11))
    assert result.alerts_sent == 5
    assert sorted(m.to[0] for m in mail.outbox) == ["desk@example.org", "other@example.org"]
    assert mail.outbox[0].subject.endswith("3 breached, 0 at risk") or mail.outbox[1].subject.endswith(
        "3 breached, 0 at risk"
    )


def test_sla_scan_command(scan, office, capsys):
    start(office, when=datetime(2020, 1, 7, 9, tzinfo=STOCKHOLM))
    call_command("sla_scan")
    assert "breached 1" in capsys.readouterr().out


def test_breaches_escalate_but_warnings_do_not(scan, office):
    Clock.begin(
        kind=TargetKind.RESPONSE,
        calendar=office,
        target=H,
        at=at(24, 9),
        notify_email="desk@example.org",
        escalate_email="boss@example.org",
    )
    scan(at(24, 9, 50))  # warning only
    assert [m.to for m in mail.outbox] == [["desk@example.org"]]
    scan(at(24, 10, 5))  # breach
    assert sorted(m.to[0] for m in mail.outbox[1:]) == ["boss@example.org", "desk@example.org"]
