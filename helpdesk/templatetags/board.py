"""Drawing the board's weekly chart as plain SVG (helpdesk/reports/charts.py)."""

from django import template
from django.utils.translation import gettext_lazy as _

from helpdesk.reports.charts import Columns, columns

register = template.Library()

SERIES = (("raised", _("Raised")), ("resolved", _("Resolved")), ("breached", _("Breached")))


@register.filter
def weeks_chart(weeks: list[dict]) -> Columns:
    return columns(weeks, SERIES, lambda week: f"{week['start']:%d %b}")
