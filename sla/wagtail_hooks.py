"""Calendars and policies, edited by managers in the Wagtail admin.

Saving an edit that moves deadlines (hours, holidays, closures; a policy's calendar, warning share or
targets) re-times the clocks still counting on it, once per save; the edit page says beforehand how
many open tickets that is.
"""

from collections.abc import Callable

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.views.generic import EditView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from sla.models import Calendar, Policy
from sla.repair import calendar_changed, calendar_timing, clocks_moved_by, policy_changed, policy_timing


class RetimingEditView(EditView):
    """An edit view that re-times the clocks a save moves (compared before and after, inline rows
    included) and tells the editor how many open tickets that is, before and after saving."""

    template_name = "sla/admin/edit.html"
    # Set by each subclass: its argument to clocks_moved_by, what of it decides deadlines (comparable
    # before and after), and what to call once a save changed that.
    moved_by: str
    timing: Callable[[Model], tuple]
    changed: Callable[..., None]
    retimed: int | None = None  # open tickets whose re-timing this save started

    def moved(self) -> int:
        return clocks_moved_by(**{self.moved_by: self.object})

    def note(self, count: int) -> str:
        """What the edit page says before saving, given the open tickets a save would re-time."""
        raise NotImplementedError

    def save_instance(self):
        # Read from the database, not self.object: the bound form has already written the new values there.
        before = self.timing(self.model.objects.get(pk=self.object.pk))
        instance = super().save_instance()
        if self.timing(self.model.objects.get(pk=instance.pk)) != before:
            self.retimed = self.moved()
            self.changed(instance, at=timezone.now())
        return instance

    def get_success_message(self):
        message = super().get_success_message()
        if not self.retimed:
            return message
        started = ngettext(
            "Re-timing the deadlines of %(count)d open ticket has started.",
            "Re-timing the deadlines of %(count)d open tickets has started.",
            self.retimed,
        ) % {"count": self.retimed}
        return f"{message} {started}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retime_note"] = self.note(self.moved())
        return context


class CalendarEditView(RetimingEditView):
    moved_by = "calendar"
    timing = staticmethod(calendar_timing)
    changed = staticmethod(calendar_changed)

    def note(self, count: int) -> str:
        if not count:
            return _("No open ticket is timed on this calendar, so saving changes moves no deadline.")
        return ngettext(
            "Saving changes to this calendar's hours, holidays or closures re-times the deadlines of "
            "%(count)d open ticket. Finished tickets keep their verdicts.",
            "Saving changes to this calendar's hours, holidays or closures re-times the deadlines of "
            "%(count)d open tickets. Finished tickets keep their verdicts.",
            count,
        ) % {"count": count}


class PolicyEditView(RetimingEditView):
    moved_by = "policy"
    timing = staticmethod(policy_timing)
    changed = staticmethod(policy_changed)

    def note(self, count: int) -> str:
        if not count:
            return _("No open ticket is timed by this policy, so saving changes moves no deadline.")
        return ngettext(
            "Saving changes to this policy's calendar, warning or targets re-times the deadlines of "
            "%(count)d open ticket. Finished tickets keep their verdicts.",
            "Saving changes to this policy's calendar, warning or targets re-times the deadlines of "
            "%(count)d open tickets. Finished tickets keep their verdicts.",
            count,
        ) % {"count": count}


class CalendarViewSet(ModelViewSet):
    model = Calendar
    icon = "date"
    edit_view_class = CalendarEditView
    menu_label = _("Business calendars")
    list_display = ["name", "time_zone", "holiday_country", "status_now"]
    search_fields = ["name"]


class PolicyViewSet(ModelViewSet):
    model = Policy
    icon = "time"
    edit_view_class = PolicyEditView
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
