"""Display helpers shared by the catalogue and promise pages."""

from datetime import timedelta
from decimal import Decimal

from django import template

from catalogue.money import written
from cms.models import ServicePage
from sla.timeline import business as business_text

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    """€45.00 (as the reader's language writes it); "Free" for nothing (catalogue/money.py)."""
    return written(amount)


@register.filter
def business(duration: timedelta | None) -> str:
    return business_text(duration) if duration is not None else "–"


@register.filter
def page_url(service) -> str:
    """The address of the service's page in the reader's language, else in English; "" when it has none."""
    page = ServicePage.for_reader(service.pk)
    return page.url if page else ""
