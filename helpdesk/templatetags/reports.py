"""Showing report figures: one cell per column kind (helpdesk/reports/table.py), never a raw key."""

from datetime import timedelta

from django import template

from helpdesk.reports.read import Figures, Report
from helpdesk.reports.table import Column, shown
from sla.timeline import business

register = template.Library()


@register.filter
def cell(figures: Figures | None, column: Column) -> str:
    return "–" if figures is None else shown(getattr(figures, column.key), column.kind)


@register.filter
def wall_time(value: timedelta) -> str:
    """A duration on the clock (not business time), in words: 2 h 10 m."""
    return business(value)


@register.filter
def business_seconds(seconds: int | None) -> str:
    """Business time kept in seconds (a ticket's facts), in words; empty when there is none."""
    return "" if seconds is None else business(timedelta(seconds=seconds))


@register.filter
def out_of(figures: Figures | None, column: Column) -> int | None:
    """What a percentage is a share of (the tickets judged, answered...); None for other columns."""
    return getattr(figures, column.of) if figures is not None and column.of else None


@register.filter
def before(report: Report, figures: Figures) -> Figures | None:
    """The same row in the period before (the total for the total row)."""
    if figures is report.total:
        return report.before_total
    return report.before.get(figures.value)
