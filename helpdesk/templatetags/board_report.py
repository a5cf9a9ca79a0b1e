"""Showing a kept board report's cells: each column says what kind of figure it holds."""

from datetime import date
from decimal import Decimal

from django import template
from django.utils.formats import date_format

from helpdesk.reports.table import shown

register = template.Library()


@register.filter
def board_cell(value, kind: str) -> str:
    """As the reports pages write figures (`shown`), plus exact amounts and dates; text as it is."""
    if value is None or value == "":
        return "" if kind == "text" else "–"
    if kind == "amount":
        return f"{Decimal(value):,.2f}".replace(",", "\u2009")
    if kind == "date":
        return date_format(date.fromisoformat(value), "DATE_FORMAT")
    return str(value) if kind == "text" else shown(value, kind)


@register.filter
def numeric(kind: str) -> bool:
    return kind not in {"text", "date"}
