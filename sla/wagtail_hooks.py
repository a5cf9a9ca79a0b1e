"""Calendars and policies, edited by managers in the Wagtail admin."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from sla.models import Calendar, Policy


class CalendarViewSet(ModelViewSet):
    model = Calendar
    icon = "date"
    menu_label = _("Business calendars")
    list_display = ["name", "time_zone", "holiday_country", "status_now"]
    search_fields = ["name"]


class PolicyViewSet(ModelViewSet):
    model = Policy
    icon = "time"
    menu_label = _("Service-level policies")
    list_display = ["name", "calendar", "warning_percent", "is_default"]
    search_fields = ["name"]


class ServiceLevelGroup(ViewSetGroup):
    menu_label = _("Service levels")
    menu_icon = "time"
    items = (PolicyViewSet, CalendarViewSet)


@hooks.register("register_admin_viewset")
def register_service_level_viewsets():
    return ServiceLevelGroup()
