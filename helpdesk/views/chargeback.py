"""Chargeback statements: managers see every cost centre's, a budget holder their own; others get 403.

A holder who opens another cost centre's statement gets 404 (Http404, as for a ticket they may not see).
Downloads: CSV and Excel (.xlsx) through tablib, PDF through WeasyPrint with no network access.
"""

from __future__ import annotations

from decimal import Decimal
from importlib.util import find_spec

import tablib
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalogue.spreadsheet import safe
from helpdesk import chargeback
from helpdesk.models import CostCentre
from helpdesk.reports.periods import last_full_month

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
PDF_AVAILABLE = find_spec("weasyprint") is not None


def _cost_centres(user):
    """The cost centres whose statements `user` may read, or PermissionDenied (neither manager nor holder)."""
    every = CostCentre.objects.select_related("division", "holder").order_by("code")
    if user.is_superuser or user.roles.manager:
        return every
    held = every.filter(holder=user)
    if not held.exists():
        raise PermissionDenied
    return held


def _context(statement: chargeback.Statement, **more) -> dict:
    return {
        "statement": statement,
        "currency": settings.CURRENCY,
        "zone": settings.REPORTING_TIME_ZONE,
        "pdf_available": PDF_AVAILABLE,
        **more,
    }


@require_GET
@login_required
def chargeback_index(request):
    """Every statement the reader may see for one month (`?month=yyyy-mm`, default the last full month)."""
    cost_centres = _cost_centres(request.user)
    default = last_full_month(timezone.now()).first
    month = chargeback.parse_month(request.GET.get("month", "")) if request.GET.get("month") else default
    status = 200
    if month is None:
        month, status = default, 400
    found = chargeback.statements(month, cost_centres=None if _sees_all(request.user) else list(cost_centres))
    context = {
        "statements": found,
        "month": month,
        "month_key": f"{month:%Y-%m}",
        "error": _("Choose a month as year and month, such as 2026-11.") if status == 400 else "",
        "total": sum((s.total for s in found), Decimal("0.00")),
        "one_off_total": sum((s.one_off_total for s in found), Decimal("0.00")),
        "monthly_total": sum((s.monthly_total for s in found), Decimal("0.00")),
        "currency": settings.CURRENCY,
        "zone": settings.REPORTING_TIME_ZONE,
    }
    return render(request, "helpdesk/chargeback/index.html", context, status=status)


def _sees_all(user) -> bool:
    return user.is_superuser or user.roles.manager


def _statement(request, code: str, month: str) -> chargeback.Statement:
    first = chargeback.parse_month(month)
    cost_centre = get_object_or_404(_cost_centres(request.user), code=code)
    if first is None:
        raise Http404
    return chargeback.statement(cost_centre, first)


@require_GET
@login_required
def chargeback_statement(request, code: str, month: str):
    statement = _statement(request, code, month)
    return render(request, "helpdesk/chargeback/statement.html", _context(statement))


@require_GET
@login_required
def chargeback_download(request, code: str, month: str, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    statement = _statement(request, code, month)
    stem = slugify(f"chargeback-{statement.cost_centre.code}-{statement.key}")
    if fmt == "pdf":
        if not PDF_AVAILABLE:
            return HttpResponse(_("PDF statements are not available on this server."), status=501)
        body = pdf(statement)
    else:
        body = dataset(statement).export(fmt)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def dataset(statement: chargeback.Statement) -> tablib.Dataset:
    """The statement as one table: a row per line, then the totals. Amounts stay Decimal; text that a
    spreadsheet would run as a formula is quoted (names are whatever people typed)."""
    data = tablib.Dataset(
        headers=[
            _("Date"),
            _("Reference"),
            _("Charge"),
            _("Service"),
            _("Request type"),
            _("Requester"),
            _("List price"),
            _("Discount"),
            _("Discount scheme"),
            _("Amount"),
        ],
        title=slugify(statement.cost_centre.code)[:31] or "statement",
    )
    for line in statement.lines:
        data.append(
            [
                line.day.isoformat(),
                line.reference,
                _("One-off") if line.kind == chargeback.ONE_OFF else _("Monthly"),
                safe(line.service),
                safe(line.request_type),
                safe(line.requester),
                line.list_price,
                line.discount,
                safe(line.discount_name),
                line.amount,
            ]
        )
    data.append(["", "", _("One-off total"), "", "", "", "", "", "", statement.one_off_total])
    data.append(["", "", _("Monthly total"), "", "", "", "", "", "", statement.monthly_total])
    total = [statement.list_total, statement.discount_total, "", statement.total]
    data.append(["", "", _("Total"), "", "", "", *total])
    return data


def local_fetcher():
    """WeasyPrint's fetcher, refusing everything but files and data: URLs (no http, https or ftp)."""
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(("file:", "data:")):
                raise ValueError(f"Statements fetch nothing over the network: {url}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("file", "data"))


def pdf(statement: chargeback.Statement) -> bytes:
    """The statement as a PDF, drawn by WeasyPrint with the system's fonts; it fetches nothing over the
    network (the page carries its own styles; relative addresses resolve in the static folder)."""
    from weasyprint import HTML

    html = render_to_string("helpdesk/chargeback/pdf/statement.html", _context(statement))
    static = settings.STATICFILES_DIRS[0]
    return HTML(string=html, base_url=str(static), url_fetcher=local_fetcher()).write_pdf()
