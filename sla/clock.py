"""Business time: exact, across time zones and daylight-saving changes. Pure Python (stdlib + zoneinfo).

An instant is *open* when its local wall-clock time in `tz` falls inside one of the intervals listed
for its local weekday and its local date is not closed. Durations are measured in real elapsed time
over open instants, so a 24/7 calendar's spring-forward day has 23 hours and its fall-back day 25.

How it is fast: the open instants of a range of local days are compiled once into sorted UTC
intervals (integer microseconds since the epoch) with a running total of open time before each. Then
`between` is two binary searches and `add` is one; neither steps through minutes or days. The index
is built per day on first use (so its cost grows with the days first touched and their closures, not
with the duration asked for), grows by doubling, and is shared by every later call on this object.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["WorkingHours", "DAY_NAMES"]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_US_PER_DAY = 86_400_000_000
_MIN_DAY = date(1, 1, 3)  # keep two days' margin inside datetime's range
_MAX_DAY = date(9999, 12, 29)
# Every instant whose UTC date is D has a local date within a day of D (offsets stay within ±26 h);
# an index of local days [lo, hi] therefore answers exactly for UTC instants in [lo + 2 d, hi - 1 d).
_MARGIN_DAYS = 2
_FIRST_CHUNK_DAYS = 64


def _parse_hhmm(value: str, *, weekday: int, allow_24: bool) -> int:
    """'08:30' -> 510 (minutes after midnight); '24:00' only as an interval's end."""
    try:
        hours_text, minutes_text = value.split(":")
        hours, minutes = int(hours_text), int(minutes_text)
    except (AttributeError, ValueError):
        raise ValueError(f"{DAY_NAMES[weekday]}: {value!r} is not a time like '08:30'") from None
    total = hours * 60 + minutes
    if not (0 <= minutes < 60 and 0 <= total <= 24 * 60) or (total == 24 * 60 and not allow_24):
        raise ValueError(f"{DAY_NAMES[weekday]}: {value!r} is not a time of day between 00:00 and 24:00")
    return total


def _to_us(moment: datetime, name: str) -> int:
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime; give it a time zone (for example UTC)")
    return (moment - _EPOCH) // _US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _td_to_us(duration: timedelta, name: str) -> int:
    if not isinstance(duration, timedelta):
        raise ValueError(f"{name} must be a timedelta, got {type(duration).__name__}")
    if duration < timedelta(0):
        raise ValueError(f"{name} must not be negative, got {duration}")
    return duration // _US


class _Index(NamedTuple):
    """Open time of local days [lo, hi] as sorted, disjoint UTC intervals with running totals.

    Replaced whole, never changed in place, so a reader holding one sees a consistent snapshot.
    """

    lo: date
    hi: date
    cover_from: int  # UTC microseconds from which (inclusive) ...
    cover_to: int  # ... to which (exclusive) the index answers exactly
    starts: list[int]
    ends: list[int]
    cum: list[int]  # open microseconds before interval i
    cum_end: list[int]  # open microseconds up to the end of interval i

    def open_before(self, moment_us: int) -> int:
        position = bisect.bisect_right(self.starts, moment_us) - 1
        if position < 0:
            return 0
        return self.cum[position] + min(moment_us, self.ends[position]) - self.starts[position]


class WorkingHours:
    """Opening hours in one time zone, with closed dates.

    `week` maps weekday (0 = Monday) to a list of ("HH:MM", "HH:MM") intervals in local wall-clock
    time; an end of "24:00" means midnight at the end of the day; a missing weekday is closed.
    `closed` is any container of local `date`s with no service (a set, or a holidays calendar).
    """

    def __init__(
        self,
        tz: str,
        week: Mapping[int, Sequence[tuple[str, str]]],
        closed: Container[date] | Iterable[date] = frozenset(),
    ) -> None:
        try:
            self.zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"unknown time zone {tz!r} (use an IANA name such as 'Europe/Stockholm')") from None
        self.tz = tz
        self.week: dict[int, tuple[tuple[int, int], ...]] = self._validate_week(week)
        self.closed: Container[date] = closed if isinstance(closed, Container) else frozenset(closed)
        self._lock = threading.Lock()
        self._index: _Index | None = None

    @staticmethod
    def _validate_week(week: Mapping[int, Sequence[tuple[str, str]]]) -> dict[int, tuple[tuple[int, int], ...]]:
        if not isinstance(week, Mapping):
            raise ValueError("week must map weekday numbers (0 = Monday ... 6 = Sunday) to lists of intervals")
        result: dict[int, tuple[tuple[int, int], ...]] = {}
        for weekday, intervals in week.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday {weekday!r} is not a number from 0 (Monday) to 6 (Sunday)")
            parsed = []
            for interval in intervals:
                try:
                    start_text, end_text = interval
                except (TypeError, ValueError):
                    raise ValueError(f"{DAY_NAMES[weekday]}: {interval!r} is not a (start, end) pair") from None
                start = _parse_hhmm(start_text, weekday=weekday, allow_24=False)
                end = _parse_hhmm(end_text, weekday=weekday, allow_24=True)
                if end <= start:
                    raise ValueError(f"{DAY_NAMES[weekday]}: interval {start_text}-{end_text} ends before it starts")
                parsed.append((start, end))
            parsed.sort()
            merged: list[tuple[int, int]] = []
            for start, end in parsed:
                if merged and start < merged[-1][1]:
                    previous = merged[-1]
                    raise ValueError(
                        f"{DAY_NAMES[weekday]}: intervals {_hhmm(previous[0])}-{_hhmm(previous[1])} and "
                        f"{_hhmm(start)}-{_hhmm(end)} overlap"
                    )
                if merged and start == merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)  # touching intervals are one
                else:
                    merged.append((start, end))
            if merged:
                result[weekday] = tuple(merged)
        return result

    def __repr__(self) -> str:
        return f"WorkingHours(tz={self.tz!r}, week={self.week!r})"

    @property
    def is_always_open(self) -> bool:
        """True for a 24/7 calendar: every weekday 00:00-24:00 (closed dates aside)."""
        return all(self.week.get(day) == ((0, 24 * 60),) for day in range(7))

    # -- the definition, read directly ------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        _to_us(at, "at")
        local = at.astimezone(self.zone)
        if local.date() in self.closed:
            return False
        wall_us = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
        return any(
            start * _US_PER_MINUTE <= wall_us < end * _US_PER_MINUTE
            for start, end in self.week.get(local.weekday(), ())
        )

    # -- the fast paths -----------------------------------------------------------------------------

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time in [start, end); zero when end <= start."""
        start_us, end_us = _to_us(start, "start"), _to_us(end, "end")
        if end_us <= start_us:
            return timedelta(0)
        index = self._cover(start_us, end_us)
        return timedelta(microseconds=index.open_before(end_us) - index.open_before(start_us))

    def until(self, now: datetime, deadline: datetime) -> timedelta:
        """Business time from now to the deadline; negative (time late) once it has passed."""
        return self.between(now, deadline) if deadline > now else -self.between(deadline, now)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest t >= start with between(start, t) >= duration, in UTC.

        Raises ValueError when the calendar has no open time at all (it would never get there).
        """
        start_us = _to_us(start, "start")
        wanted = _td_to_us(duration, "duration")
        if wanted == 0:
            return start.astimezone(UTC)
        if not self.week:
            raise ValueError("this calendar has no opening hours, so no business time can ever pass")
        index = self._cover(start_us, start_us)
        while True:
            # Another thread may have grown the index backwards, which shifts the running totals:
            # the target is always read from the same snapshot that is searched.
            target = index.open_before(start_us) + wanted
            if index.cum_end and index.cum_end[-1] >= target:
                break
            if index.hi >= _MAX_DAY - timedelta(days=_MARGIN_DAYS + 1):
                raise ValueError("no business time is left before the end of the calendar (year 9999)")
            # Ask for at least as many days again as are indexed, so growth stays amortised.
            further = start_us + max(7, (index.hi - index.lo).days) * _US_PER_DAY
            index = self._cover(start_us, min(further, _day_us(_MAX_DAY - timedelta(days=_MARGIN_DAYS))))
        position = bisect.bisect_left(index.cum_end, target)
        return _from_us(index.starts[position] + (target - index.cum[position]))

    def next_open(self, at: datetime) -> datetime:
        """The earliest open instant at or after `at`, in UTC."""
        at_us = _to_us(at, "at")
        index = self._cover(at_us, at_us)
        position = bisect.bisect_right(index.starts, at_us) - 1
        if position >= 0 and at_us < index.ends[position]:
            return _from_us(at_us)
        return self.add(at, _US) - _US

    # -- the index ------------------------------------------------------------------------------------

    def _cover(self, first_us: int, last_us: int) -> _Index:
        """An index that answers exactly for every instant from first_us to last_us."""
        index = self._index
        if index is not None and index.cover_from <= first_us and last_us < index.cover_to:
            return index
        first_day = _from_us(first_us).date() - timedelta(days=_MARGIN_DAYS)
        last_day = _from_us(last_us).date() + timedelta(days=_MARGIN_DAYS)
        with self._lock:
            index = self._index
            if index is None:
                lo, hi = first_day, max(last_day, first_day + timedelta(days=_FIRST_CHUNK_DAYS))
            elif index.lo <= first_day and last_day <= index.hi:
                return index
            else:
                size = timedelta(days=(index.hi - index.lo).days + 1)
                lo = min(first_day, index.lo - size) if first_day < index.lo else index.lo
                hi = max(last_day, index.hi + size) if last_day > index.hi else index.hi
            self._index = self._build(max(lo, _MIN_DAY), min(hi, _MAX_DAY))
            return self._index

    def _build(self, lo: date, hi: date) -> _Index:
        pieces: list[tuple[int, int]] = []
        day = lo
        one_day = timedelta(days=1)
        while day <= hi:
            intervals = self.week.get(day.weekday())
            if intervals and day not in self.closed:
                pieces.extend(self._day_pieces(day, intervals))
            day += one_day
        # A fall-back at midnight can put part of one local day after the next one begins.
        pieces.sort()
        starts: list[int] = []
        ends: list[int] = []
        for start, end in pieces:
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        cum, cum_end, total = [], [], 0
        for start, end in zip(starts, ends, strict=True):
            cum.append(total)
            total += end - start
            cum_end.append(total)
        cover_from = _day_us(lo + timedelta(days=_MARGIN_DAYS))
        cover_to = _day_us(hi - timedelta(days=_MARGIN_DAYS - 1))
        return _Index(lo, hi, cover_from, cover_to, starts, ends, cum, cum_end)

    def _offset_us(self, utc_us: int) -> int:
        return _from_us(utc_us).astimezone(self.zone).utcoffset() // _US

    def _day_pieces(self, day: date, intervals: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
        """UTC pieces [start, end) of the instants whose local wall time on `day` is in `intervals`.

        Wall time is UTC + offset, and the offset is constant except at a transition. Over a window
        of UTC that surely holds the whole local day, split at the (at most one) transition; in each
        part, the wall-time interval maps back to UTC by subtracting that part's offset. A skipped
        hour then yields nothing and a repeated hour yields two pieces, as the definition demands.
        """
        midnight_wall = _day_us(day)
        window_start = midnight_wall - 15 * 3_600_000_000
        window_end = midnight_wall + _US_PER_DAY + 15 * 3_600_000_000
        first_offset = self._offset_us(window_start)
        last_offset = self._offset_us(window_end)
        if first_offset == last_offset:
            parts = [(window_start, window_end, first_offset)]
        else:
            low, high = window_start // 1_000_000, window_end // 1_000_000  # transitions fall on whole seconds
            while high - low > 1:
                middle = (low + high) // 2
                if self._offset_us(middle * 1_000_000) == first_offset:
                    low = middle
                else:
                    high = middle
            switch = high * 1_000_000
            parts = [(window_start, switch, first_offset), (switch, window_end, last_offset)]
        pieces = []
        for start_minute, end_minute in intervals:
            wall_start = midnight_wall + start_minute * _US_PER_MINUTE
            wall_end = midnight_wall + end_minute * _US_PER_MINUTE
            for part_start, part_end, offset in parts:
                start = max(wall_start - offset, part_start)
                end = min(wall_end - offset, part_end)
                if start < end:
                    pieces.append((start, end))
        return pieces


def _day_us(day: date) -> int:
    """Microseconds from the epoch to 00:00 UTC on `day`."""
    return (datetime.combine(day, time(0), tzinfo=UTC) - _EPOCH) // _US


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
