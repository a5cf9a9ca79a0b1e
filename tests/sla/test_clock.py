"""sla.clock: properties (hypothesis) and a slow minute-by-minute reference across DST changes."""

import functools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.clock import WorkingHours

MINUTE = timedelta(minutes=1)
US = timedelta(microseconds=1)

OFFICE = {day: [("08:00", "12:00"), ("13:00", "17:00")] for day in range(5)}
ALWAYS = {day: [("00:00", "24:00")] for day in range(7)}
NIGHTS = {day: [("00:00", "03:30"), ("22:00", "24:00")] for day in range(7)}
EARLY_HOURS = {day: [("01:00", "03:00")] for day in range(7)}  # straddles most DST changes
WEEKEND = {5: [("10:00", "16:00")], 6: [("10:00", "16:00")]}

ZONES = [
    "UTC",
    "Europe/Stockholm",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",  # half-hour offset
    "Australia/Lord_Howe",  # half-hour DST shift
    "Asia/Kolkata",
    "America/Havana",  # changes at midnight
]


@st.composite
def weeks(draw):
    """A fixed pattern, or random non-overlapping intervals on quarter hours."""
    if draw(st.booleans()):
        return draw(st.sampled_from([OFFICE, ALWAYS, NIGHTS, EARLY_HOURS, WEEKEND]))
    week = {}
    for day in range(7):
        edges = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
        if len(edges) % 2:
            edges = edges[:-1]
        pairs = list(zip(edges[::2], edges[1::2], strict=True))
        if pairs:
            week[day] = [(f"{a // 4:02d}:{a % 4 * 15:02d}", f"{b // 4:02d}:{b % 4 * 15:02d}") for a, b in pairs]
    return week or OFFICE


@st.composite
def calendars(draw):
    zone = draw(st.shared(st.sampled_from(ZONES), key="zone"))
    closed = draw(st.sets(st.dates(date(2024, 1, 1), date(2027, 12, 31)), max_size=40))
    return WorkingHours(zone, draw(weeks()), closed)


@functools.cache
def offset_changes(zone: str) -> list[datetime]:
    """Every UTC hour in 2024-2027 at which `zone` changes its offset (found by scanning)."""
    tz, changes = ZoneInfo(zone), []
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(tz).utcoffset()
    while moment.year < 2028:
        moment += timedelta(hours=1)
        offset = moment.astimezone(tz).utcoffset()
        if offset != previous:
            changes.append(moment)
        previous = offset
    return changes or [datetime(2026, 6, 1, tzinfo=UTC)]


@st.composite
def near_changes(draw, minute_aligned=False):
    """An instant up to three days before (or one after) one of the calendar zone's clock changes."""
    base = draw(st.sampled_from(offset_changes(draw(st.shared(st.sampled_from(ZONES), key="zone")))))
    if minute_aligned:
        return base + MINUTE * draw(st.integers(-3 * 24 * 60, 24 * 60))
    return base + draw(st.timedeltas(timedelta(days=-3), timedelta(days=1)))


durations = st.timedeltas(timedelta(0), timedelta(days=40))


def reference_between(hours: WorkingHours, start: datetime, end: datetime) -> timedelta:
    """Slow and obviously right: count the open minutes one by one (start and end on whole minutes)."""
    count, moment = 0, start
    while moment < end:
        count += hours.is_open(moment)
        moment += MINUTE
    return count * MINUTE


def reference_add(hours: WorkingHours, start: datetime, minutes: int) -> datetime:
    moment, left = start, minutes
    if left == 0:
        return start
    while True:
        if hours.is_open(moment):
            left -= 1
            if left == 0:
                return moment + MINUTE
        moment += MINUTE


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(calendars(), near_changes(), durations)
def test_between_undoes_add(hours, start, duration):
    assert hours.between(start, hours.add(start, duration)) == duration


@FAST
@given(calendars(), near_changes(), durations)
def test_until_is_time_left_before_and_time_late_after(hours, start, duration):
    deadline = hours.add(start, duration)
    assert hours.until(start, deadline) == duration
    assert hours.until(deadline, start) == -hours.between(start, deadline)


@FAST
@given(calendars(), near_changes(), durations)
def test_add_is_the_earliest_such_instant(hours, start, duration):
    end = hours.add(start, duration)
    assert end >= start
    if duration:
        assert hours.between(start, end - US) < duration


@FAST
@given(calendars(), near_changes(), durations, durations)
def test_add_is_monotonic_in_duration(hours, start, first, second):
    shorter, longer = sorted([first, second])
    assert hours.add(start, shorter) <= hours.add(start, longer)


@FAST
@given(
    calendars(),
    near_changes(),
    st.timedeltas(timedelta(0), timedelta(days=30)),
    st.timedeltas(timedelta(0), timedelta(days=30)),
)
def test_between_is_additive(hours, a, gap1, gap2):
    b, c = a + gap1, a + gap1 + gap2
    assert hours.between(a, c) == hours.between(a, b) + hours.between(b, c)


@FAST
@given(calendars(), near_changes())
def test_index_agrees_with_the_definition_at_an_instant(hours, moment):
    assert (hours.between(moment, moment + US) == US) == hours.is_open(moment)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars(), near_changes(minute_aligned=True), st.integers(0, 3 * 24 * 60))
def test_between_matches_minute_by_minute_reference(hours, start, minutes):
    end = start + minutes * MINUTE
    assert hours.between(start, end) == reference_between(hours, start, end)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars(), near_changes(minute_aligned=True), st.integers(0, 12 * 60))
def test_add_matches_minute_by_minute_reference(hours, start, minutes):
    assert hours.add(start, minutes * MINUTE) == reference_add(hours, start, minutes)


@pytest.mark.parametrize(
    ("zone", "spring", "autumn", "spring_hours", "autumn_hours"),
    [
        ("Europe/Stockholm", date(2026, 3, 29), date(2026, 10, 25), 1, 3),
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1), 1, 3),
        ("America/St_Johns", date(2026, 3, 8), date(2026, 11, 1), 1, 3),
        ("Australia/Lord_Howe", date(2026, 10, 4), date(2026, 4, 5), 1.5, 2.5),
    ],
)
def test_wall_clock_hours_across_a_clock_change(zone, spring, autumn, spring_hours, autumn_hours):
    """01:00-03:00 local: the skipped hour is not open time, the repeated hour is open twice."""
    hours = WorkingHours(zone, EARLY_HOURS)
    tz = ZoneInfo(zone)

    def day_length(day):
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        return hours.between(start, end)

    assert day_length(spring) == timedelta(hours=spring_hours)
    assert day_length(autumn) == timedelta(hours=autumn_hours)
    assert day_length(spring + timedelta(days=7)) == timedelta(hours=2)


def test_a_24_7_day_has_23_or_25_hours_of_local_day():
    hours = WorkingHours("Europe/Stockholm", ALWAYS)
    tz = ZoneInfo("Europe/Stockholm")
    spring = datetime(2026, 3, 29, tzinfo=tz)
    assert hours.add(spring, timedelta(hours=23)) == datetime(2026, 3, 30, tzinfo=tz)
    assert hours.add(datetime(2026, 10, 25, tzinfo=tz), timedelta(hours=25)) == datetime(2026, 10, 26, tzinfo=tz)


def test_a_skipped_day_has_no_time_at_all():
    # Samoa moved across the date line: Friday 30 December 2011 never happened in Apia.
    hours = WorkingHours("Pacific/Apia", {day: [("09:00", "17:00")] for day in range(5)})
    tz = ZoneInfo("Pacific/Apia")
    assert hours.between(datetime(2011, 12, 29, tzinfo=tz), datetime(2012, 1, 2, tzinfo=tz)) == timedelta(hours=8)


def test_office_hours_with_lunch_and_holidays():
    stockholm = ZoneInfo("Europe/Stockholm")
    hours = WorkingHours("Europe/Stockholm", OFFICE, {date(2026, 12, 24), date(2026, 12, 25)})
    tuesday_nine = datetime(2026, 11, 24, 9, tzinfo=stockholm)
    assert hours.add(tuesday_nine, timedelta(hours=8)) == datetime(2026, 11, 25, 9, tzinfo=stockholm)
    wednesday_before_christmas = datetime(2026, 12, 23, 16, tzinfo=stockholm)
    assert hours.add(wednesday_before_christmas, timedelta(hours=2)) == datetime(2026, 12, 28, 9, tzinfo=stockholm)
    assert hours.is_open(datetime(2026, 11, 24, 12, 30, tzinfo=stockholm)) is False
    assert hours.is_open(datetime(2026, 11, 24, 13, 0, tzinfo=stockholm)) is True


def test_results_are_utc_and_next_open_skips_closed_time():
    hours = WorkingHours("America/New_York", OFFICE)
    friday_evening = datetime(2026, 11, 27, 23, tzinfo=UTC)  # 18:00 in New York
    opens = hours.next_open(friday_evening)
    assert opens.tzinfo is UTC
    assert opens == datetime(2026, 11, 30, 13, tzinfo=UTC)  # Monday 08:00 EST
    assert hours.next_open(opens) == opens


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: WorkingHours("Mars/Olympus", OFFICE), "unknown time zone"),
        (lambda: WorkingHours("UTC", {0: [("10:00", "09:00")]}), "ends before it starts"),
        (lambda: WorkingHours("UTC", {0: [("08:00", "12:00"), ("11:00", "13:00")]}), "overlap"),
        (lambda: WorkingHours("UTC", {0: [("08:00", "25:00")]}), "between 00:00 and 24:00"),
        (lambda: WorkingHours("UTC", {0: [("24:00", "24:00")]}), "between 00:00 and 24:00"),
        (lambda: WorkingHours("UTC", {7: [("08:00", "12:00")]}), "weekday 7"),
        (lambda: WorkingHours("UTC", {0: [("8am", "12:00")]}), "not a time like"),
        (lambda: WorkingHours("UTC", OFFICE).add(datetime(2026, 1, 1), MINUTE), "naive"),
        (lambda: WorkingHours("UTC", OFFICE).between(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2)), "naive"),
        (lambda: WorkingHours("UTC", OFFICE).add(datetime(2026, 1, 1, tzinfo=UTC), -MINUTE), "must not be negative"),
        (lambda: WorkingHours("UTC", {}).add(datetime(2026, 1, 1, tzinfo=UTC), MINUTE), "no opening hours"),
    ],
)
def test_bad_input_is_a_value_error_that_names_the_problem(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_zero_duration_and_reversed_ranges():
    hours = WorkingHours("UTC", OFFICE)
    moment = datetime(2026, 11, 28, 3, tzinfo=UTC)  # a closed Saturday night
    assert hours.add(moment, timedelta(0)) == moment
    assert hours.between(moment, moment - MINUTE) == timedelta(0)


def test_a_far_add_grows_the_index_and_stays_exact():
    hours = WorkingHours("Europe/Stockholm", OFFICE)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = hours.add(start, timedelta(hours=8 * 261 * 3))  # about three working years
    assert hours.between(start, end) == timedelta(hours=8 * 261 * 3)
    assert end.year == 2029
