"""Demand and gaps in the Wagtail admin: what people searched the catalogue for in vain and what they were
refused, counted by service (or words) and division over a chosen period, on screen and as CSV."""

from __future__ import annotations

import csv
from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from catalogue.demand import gaps
from catalogue.spreadsheet import safe

PERMISSION = "catalogue.view_demandsignal"
PERIODS = {"30d": timedelta(days=30), "90d": timedelta(days=90), "12m": timedelta(days=365)}


def may_see(user) -> bool:
    """Editors and managers (and superusers): whoever holds the view permission on unmet demand."""
    return user.is_authenticated and user.has_perm(PERMISSION)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("30d", _("Last 30 days")), ("90d", _("Last 90 days")), ("12m", _("Last 12 months"))],
        required=False,
    )


class DemandView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "catalogue/admin/demand.html"
    page_title = _("Demand and gaps")
    header_icon = "search"

    def dispatch(self, request, *args, **kwargs):
        if not may_see(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get(self, request, *args, **kwargs):
        form = PeriodForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, rows=None), status=400)
        period = form.cleaned_data.get("period") if form.is_bound else ""
        until = timezone.now()
        since = until - PERIODS[period or "30d"]  # the last 30 days when none was chosen
        rows = gaps(since, until)
        if request.GET.get("format") == "csv":
            return self.csv(rows, since, until)
        query = request.GET.copy()
        query["format"] = "csv"
        context = self.get_context_data(
            form=form,
            rows=rows,
            since=since,
            until=until,
            total=sum(r.count for r in rows),
            csv_query=query.urlencode(),
        )
        return self.render_to_response(context)

    def csv(self, rows, since, until) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="demand-{since:%Y-%m-%d}-{until:%Y-%m-%d}.csv"'
        writer = csv.writer(response)
        writer.writerow([_("Kind"), _("Service or words"), _("Division"), _("Count"), _("Last")])
        for row in rows:
            writer.writerow(
                [safe(str(row.kind_label)), safe(row.what), safe(row.division), row.count, row.last_at.isoformat()]
            )
        return response


class DemandViewSet(ViewSet):
    """The demand table as an item of the catalogue menu, shown to those who may see it."""

    name = "demand"
    icon = "search"
    menu_label = _("Demand and gaps")

    @cached_property
    def menu_item_class(self):
        class DemandMenuItem(MenuItem):
            def is_shown(self, request):
                return may_see(request.user)

        return DemandMenuItem

    def get_urlpatterns(self):
        return [path("", DemandView.as_view(), name="index")]
