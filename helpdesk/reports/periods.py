"""Report periods: a month, a quarter or dates chosen, counted in the organisation's reporting zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
LONGEST = 731  # days: two years, the longest custom period


def reporting_zone() -> ZoneInfo:
    """The organisation's one zone for counting days (settings.REPORTING_TIME_ZONE)."""
    return ZoneInfo(settings.REPORTING_TIME_ZONE)


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    key: str  # "2026-11", "2026-Q3", or "" for dates chosen

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        """In words, in the reader's language: "November 2026", "Q3 2026 (Jul to Sep)"."""
        if MONTH.match(self.key):
            return date_format(self.first, "YEAR_MONTH_FORMAT")
        if QUARTER.match(self.key):
            return _("Q%(n)s %(year)s (%(first)s to %(last)s)") % {
                "n": (self.first.month - 1) // 3 + 1,
                "year": self.first.year,
                "first": date_format(self.first, "M"),
                "last": date_format(self.last, "M"),
            }
        return _("%(first)s to %(last)s") % {"first": self.first.isoformat(), "last": self.last.isoformat()}

    def previous(self) -> Period:
        """The period just before, of the same kind: the month, the quarter, or as many days."""
        if MONTH.match(self.key):
            return month(self.first - timedelta(days=1))
        if QUARTER.match(self.key):
            return quarter(self.first - timedelta(days=1))
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1), "")


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month(day: date) -> Period:
    first = day.replace(day=1)
    return Period(first, next_month(first) - timedelta(days=1), f"{first:%Y-%m}")


def quarter(day: date) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    after = (first + timedelta(days=95)).replace(day=1)
    return Period(first, after - timedelta(days=1), f"{first.year}-Q{(first.month - 1) // 3 + 1}")


def today(now: datetime) -> date:
    return now.astimezone(reporting_zone()).date()


def last_full_month(now: datetime) -> Period:
    return month(today(now).replace(day=1) - timedelta(days=1))


def from_key(key: str) -> Period | None:
    """A month ("2026-11") or quarter ("2026-Q3") from its key; None when it is neither."""
    if found := MONTH.match(key):
        year, number = int(found[1]), int(found[2])
        return month(date(year, number, 1)) if 1 <= number <= 12 and 2000 <= year <= 2100 else None
    if found := QUARTER.match(key):
        year = int(found[1])
        return quarter(date(year, 3 * int(found[2]) - 2, 1)) if 2000 <= year <= 2100 else None
    return None


def choices(now: datetime, *, months: int = 13, quarters: int = 6) -> list[tuple[str, str]]:
    """The recent months and quarters to pick from, newest first (the current ones included)."""
    found, day = [], today(now)
    for _i in range(months):
        period = month(day)
        found.append((period.key, period.label))
        day = period.first - timedelta(days=1)
    day = today(now)
    for _i in range(quarters):
        period = quarter(day)
        found.append((period.key, period.label))
        day = period.first - timedelta(days=1)
    return found


def window(period: Period) -> tuple[datetime, datetime]:
    """The instants a period spans in the reporting zone: [start, end) as aware datetimes."""
    zone = reporting_zone()
    start = datetime.combine(period.first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(period.last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return start, end
