"""Reports for managers: any period, broken down, every figure opening its tickets, every table exported."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from helpdesk.access import role_required
from helpdesk.models import ReportState
from helpdesk.reports import charts, measures, read, signoff, table
from helpdesk.reports.forms import DrillForm, ReportForm
from helpdesk.reports.measures import ALL, DIMENSIONS, EVERYONE, MEASURES, TIMES

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
TREND = tuple((key, MEASURES[key].label) for key in ("raised", "resolved"))  # lazy: the reader's language


def _bound(request, form_class, *, required: bool = False):
    """The form from the query string; 400 when it does not validate, or when `required` and empty."""
    form = form_class(request.GET or None, now=timezone.now())
    if form.is_bound and not form.is_valid() or required and not form.is_bound:
        return form, 400
    return form, 200


def _download(data, fmt: str, stem: str) -> HttpResponse:
    """A table as a file to save: `fmt` a key of FORMATS, the name `stem` and the period, slugified."""
    content_type, extension = FORMATS[fmt]
    response = HttpResponse(data.export(fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slugify(stem)}.{extension}"'
    return response


@require_GET
@role_required("manager")
def reports(request):
    form, status = _bound(request, ReportForm)
    context = {"form": form, "query": form.query() if status == 200 else ""}
    if status == 200:
        period, chosen = form.chosen()
        report = read.report(period, chosen)
        by_label = DIMENSIONS[chosen.by].label if chosen.by != ALL else ""
        context |= {
            "report": report,
            "who": form.who_label(),
            "by_label": by_label,
            "columns": table.COLUMNS,
            "headline": table.HEADLINE,
            "zone": settings.REPORTING_TIME_ZONE,
            "trend_chart": charts.columns(report.trend, TREND, lambda step: f"{step['first']:%d %b}"),
            "compliance_chart": charts.percents([(row.label, row.resolution_percent) for row in report.rows]),
            "state": ReportState.objects.filter(key="facts").first(),
            # Sign-off is counted for everyone: approvals are read as they are, not from the roll-ups.
            "sign_off": signoff.sign_off(period) if chosen.segment == EVERYONE else None,
        }
    return render(request, "helpdesk/reports/report.html", context, status=status)


@require_GET
@role_required("manager")
def report_export(request, fmt: str):
    form, status = _bound(request, ReportForm)
    if status != 200 or fmt not in FORMATS:
        return HttpResponse(_("That report can't be made: check the period and choices."), status=400)
    period, chosen = form.chosen()
    report = read.report(period, chosen)
    first = str(DIMENSIONS[chosen.by].label) if chosen.by != ALL else _("Who")
    return _download(table.export(report, first_column=first), fmt, f"report-{report.period.label}")


@require_GET
@role_required("manager")
def report_tickets(request):
    """The tickets behind one figure of a report: as many as the figure says."""
    form, status = _bound(request, DrillForm, required=True)
    if status != 200:
        return render(request, "helpdesk/reports/tickets.html", {"form": form}, status=400)
    period, chosen = form.chosen()
    value, measure = form.cleaned_data["value"], form.cleaned_data["measure"]
    facts = read.tickets_behind(period, chosen, value, measure)
    # The times behind a median are listed slowest first; every other figure's tickets newest first.
    order = (f"-{TIMES[measure][1]}", "-ticket_id") if measure in TIMES else ("-raised_on", "-ticket_id")
    listed = facts.select_related("ticket__service", "ticket__team", "ticket__assignee").order_by(*order)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return _download(table.tickets(listed), fmt, f"tickets-{period.label}")
    row_label = read.names(chosen.by, [value]).get(value, value) if value is not None and chosen.by != ALL else ""
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "helpdesk/reports/tickets.html",
        {
            "form": form,
            "page": page,
            "period": period,
            "measure_label": measures.label(measure),
            "row_label": row_label,
            "who": form.who_label(),
            "query": form.query(),
            "measure": measure,
            "value": value,
        },
    )
