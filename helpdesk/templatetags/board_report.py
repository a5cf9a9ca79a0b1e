"""Showing a kept board report's cells: each column says what kind of figure it holds."""

from datetime import date, timedelta
from decimal import Decimal

from django import template
from django.utils.formats import date_format

from sla.timeline import business

register = template.Library()
THIN = "\u2009"


@register.filter
def board_cell(value, kind: str) -> str:
    if value is None or value == "":
        return "–" if kind != "text" else ""
    if kind == "count" and isinstance(value, int):
        return f"{value:,}".replace(",", THIN)
    if kind == "percent":
        return f"{value} %"
    if kind == "average":
        return f"{value:.1f}"
    if kind == "amount":
        return f"{Decimal(value):,.2f}".replace(",", THIN)
    if kind == "time":
        return business(timedelta(seconds=value))
    if kind == "date":
        return date_format(date.fromisoformat(value), "DATE_FORMAT")
    return str(value)


@register.filter
def numeric(kind: str) -> bool:
    return kind not in {"text", "date"}
