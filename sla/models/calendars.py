"""Business calendars as data: opening hours in a time zone, public holidays, the team's own closures."""

from __future__ import annotations

import re
import threading
from collections.abc import Container, Iterable
from datetime import date, timedelta

import holidays
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from sla.clock import WorkingHours
from sla.forms import CalendarForm

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def validate_hhmm(value: str) -> None:
    if not _HHMM.match(value or ""):
        raise ValidationError(_("Use a 24-hour time like 08:30 (24:00 means midnight at the end of the day)."))


def validate_time_zone(value: str) -> None:
    try:
        WorkingHours(value, {})
    except ValueError as error:
        raise ValidationError(str(error)) from None


class ClosedDates(Container):
    """The calendar's own closures plus the public holidays of its country (any year, computed lazily)."""

    def __init__(self, own: frozenset[date], public: holidays.HolidayBase | None) -> None:
        self.own = own
        self.public = public

    def __contains__(self, day: object) -> bool:
        return day in self.own or (self.public is not None and day in self.public)


# Compiled WorkingHours per calendar, kept while the calendar is unchanged: each holds an index that
# makes later calls fast, so it is worth sharing across requests and scans in this process.
_compiled: dict[int, tuple[object, WorkingHours]] = {}
_compiled_lock = threading.Lock()


def _cached(pk: int, version) -> WorkingHours | None:
    """The compiled hours of calendar `pk` if compiled at `version` (its updated_at), else None. The entry
    is read once: another thread may replace it meanwhile."""
    cached = _compiled.get(pk)
    return cached[1] if cached is not None and cached[0] == version else None


class Calendar(ClusterableModel):
    """When a team is open: weekly hours in one time zone, minus public holidays and closures."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_time_zone],
        help_text=_("An IANA name such as Europe/Stockholm or America/New_York."),
    )
    holiday_country = models.CharField(
        _("public holidays of country"),
        max_length=3,
        blank=True,
        help_text=_("Two-letter code, e.g. SE, US, GB. Empty for none."),
    )
    holiday_subdivision = models.CharField(
        _("state or region"),
        max_length=10,
        blank=True,
        help_text=_("For example NY for New York; empty for national holidays only."),
    )
    description = models.CharField(_("description"), max_length=250, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    base_form_class = CalendarForm
    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("time_zone"),
        FieldRowPanel([FieldPanel("holiday_country"), FieldPanel("holiday_subdivision")], heading=_("Public holidays")),
        MultiFieldPanel([InlinePanel("opening_hours", label=_("Opening hours"))], heading=_("Weekly hours")),
        InlinePanel("closures", label=_("Closures (the team's own closed days)")),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.holiday_country = self.holiday_country.upper()
        self.holiday_subdivision = self.holiday_subdivision.upper()
        if self.holiday_subdivision and not self.holiday_country:
            raise ValidationError({"holiday_subdivision": _("Choose the country first.")})
        if self.holiday_country:
            try:
                holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision or None)
            except NotImplementedError as error:
                field = "holiday_subdivision" if self.holiday_subdivision else "holiday_country"
                raise ValidationError({field: str(error)}) from None

    def week(self) -> dict[int, list[tuple[str, str]]]:
        week: dict[int, list[tuple[str, str]]] = {}
        for row in self.opening_hours.all():
            week.setdefault(row.weekday, []).append((row.opens, row.closes))
        return week

    def closed_dates(self) -> ClosedDates:
        own = set()
        for closure in self.closures.all():
            own.update(closure.days())
        public = (
            holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision or None)
            if self.holiday_country
            else None
        )
        return ClosedDates(frozenset(own), public)

    def working_hours(self) -> WorkingHours:
        """This calendar compiled for sla.clock, shared in this process until the calendar changes.

        Use `compiled()` for several calendars at once: it reads the rows of all the stale ones together.
        """
        hours = _cached(self.pk, self.updated_at)
        if hours is not None:
            return hours
        hours = WorkingHours(self.time_zone, self.week(), self.closed_dates())
        with _compiled_lock:
            _compiled[self.pk] = (self.updated_at, hours)
        return hours

    @property
    def is_compiled(self) -> bool:
        return _cached(self.pk, self.updated_at) is not None

    def touch(self) -> None:
        """Mark the calendar changed, so compiled copies of it are rebuilt (its rows changed, not it)."""
        self.updated_at = timezone.now()
        Calendar.objects.filter(pk=self.pk).update(updated_at=self.updated_at)

    @property
    def is_always_open(self) -> bool:
        return self.working_hours().is_always_open

    @admin.display(description=_("Now (your time)"))
    def status_now(self) -> str:
        """ "Open now" or when it next opens, in the reader's active time zone."""
        hours, now = self.working_hours(), timezone.now()
        if hours.is_open(now):
            return gettext("Open now")
        try:
            opens = timezone.localtime(hours.next_open(now))
        except (ValueError, OverflowError):
            return gettext("Never open")
        return gettext("Opens %(when)s") % {"when": date_format(opens, "SHORT_DATETIME_FORMAT")}


class CalendarRow(Orderable):
    """A row that belongs to a calendar: changing it marks the calendar changed, so compiled hours rebuild."""

    class Meta(Orderable.Meta):
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.calendar.touch()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self.calendar.touch()
        return result


class OpeningHours(CalendarRow):
    calendar = ParentalKey(Calendar, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("calendar"))
    weekday = models.PositiveSmallIntegerField(_("day"), choices=list(WEEKDAYS.items()))
    opens = models.CharField(_("opens"), max_length=5, validators=[validate_hhmm], help_text=_("08:00"))
    closes = models.CharField(_("closes"), max_length=5, validators=[validate_hhmm], help_text=_("17:00 or 24:00"))

    panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("opens"), FieldPanel("closes")])]

    class Meta(CalendarRow.Meta):
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.opens}-{self.closes}"

    def clean(self) -> None:
        super().clean()
        if self.opens and self.closes and _HHMM.match(self.opens) and _HHMM.match(self.closes):
            if self.closes <= self.opens:
                raise ValidationError({"closes": _("Closing time must be after opening time.")})


class Closure(CalendarRow):
    """A day (or run of days) the team is closed beyond public holidays: a move, a shutdown."""

    calendar = ParentalKey(Calendar, on_delete=models.CASCADE, related_name="closures", verbose_name=_("calendar"))
    name = models.CharField(_("reason"), max_length=120)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"), null=True, blank=True, help_text=_("Empty for a single day."))

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("start_date"), FieldPanel("end_date")])]
    LONGEST = timedelta(days=366)

    def days(self) -> list[date]:
        """The closed dates, at most a year of them (longer closures are refused when edited)."""
        last = min(self.end_date or self.start_date, self.start_date + self.LONGEST)
        return [self.start_date + timedelta(days=n) for n in range((last - self.start_date).days + 1)]

    class Meta(CalendarRow.Meta):
        verbose_name = _("closure")
        verbose_name_plural = _("closures")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The last day cannot be before the first.")})
        if self.end_date and self.start_date and self.end_date - self.start_date > self.LONGEST:
            raise ValidationError({"end_date": _("A closure can last a year at most.")})


def compiled_versions(versions: dict[int, object]) -> dict[int, WorkingHours]:
    """Working hours by calendar id, given each calendar's `updated_at` (read alongside other rows): no
    query while every one is compiled at that version, else the changed ones are read and compiled."""
    found = {pk: _cached(pk, version) for pk, version in versions.items() if pk is not None}
    hours = {pk: compiled_hours for pk, compiled_hours in found.items() if compiled_hours is not None}
    stale = [pk for pk in found if pk not in hours]
    return {**hours, **compiled(Calendar.objects.filter(pk__in=stale))} if stale else hours


def compiled(calendars: Iterable[Calendar]) -> dict[int, WorkingHours]:
    """Working hours by calendar id; the rows of calendars not compiled yet are read in two queries."""
    calendars = list(calendars)
    stale = [calendar for calendar in calendars if not calendar.is_compiled]
    if stale:
        prefetch_related_objects(stale, "opening_hours", "closures")
    return {calendar.pk: calendar.working_hours() for calendar in calendars}
