"""Display helpers shared by the catalogue and promise pages."""

from datetime import timedelta
from decimal import Decimal

from django import template
from django.conf import settings

from sla.timeline import business as business_text

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    """45.00 EUR; "Free" for nothing."""
    if amount is None:
        return ""
    if amount == 0:
        return "Free"
    return f"{amount:,.2f} {settings.CURRENCY}"


@register.filter
def business(duration: timedelta | None) -> str:
    return business_text(duration) if duration is not None else "–"
