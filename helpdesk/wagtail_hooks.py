"""Reference data about people, edited by managers in the Wagtail admin (/admin/)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.actions.delete import DeleteAction, DeletePermissionError
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from helpdesk.models import CannedReply, CostCentre, Division, Grade, Location, Maintenance, StaffSurvey, Team
from helpdesk.roles import EDITORS, MANAGERS


class GradeViewSet(ModelViewSet):
    model = Grade
    icon = "order"
    list_display = ["name", "level"]
    form_fields = ["name", "level"]


class DivisionViewSet(ModelViewSet):
    model = Division
    icon = "group"
    list_display = ["name", "code"]
    form_fields = ["name", "code"]


class CostCentreViewSet(ModelViewSet):
    model = CostCentre
    icon = "tag"
    list_display = ["code", "name", "division"]
    form_fields = ["code", "name", "division"]


class LocationViewSet(ModelViewSet):
    model = Location
    icon = "site"
    list_display = ["name", "time_zone"]
    form_fields = ["name", "time_zone"]


class TeamViewSet(ModelViewSet):
    model = Team
    icon = "user"
    list_display = ["name", "email", "parent", "auto_assign"]
    form_fields = ["name", "slug", "remit", "email", "phone", "parent", "members", "lead", "auto_assign"]


class CannedReplyViewSet(ModelViewSet):
    """A team's canned replies: the composer on the ticket page offers them to the team's analysts."""

    model = CannedReply
    icon = "comment"
    menu_label = gettext_lazy("Canned replies")
    list_display = ["title", "team", "action", "priority"]
    list_filter = ["team"]
    form_fields = ["team", "title", "body", "action", "priority"]


class PeopleViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("People and teams")
    menu_icon = "group"
    items = (TeamViewSet, CannedReplyViewSet, DivisionViewSet, CostCentreViewSet, GradeViewSet, LocationViewSet)


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()


class StaffSurveyViewSet(SnippetViewSet):
    """The yearly staff survey and its questions; sending and results are at /reports/surveys/."""

    model = StaffSurvey
    icon = "clipboard-list"
    menu_label = gettext_lazy("Staff surveys")
    add_to_admin_menu = True
    list_display = ["title", "year", "division", "opens_on", "closes_on", "sent_at"]
    list_filter = ["year"]


register_snippet(StaffSurveyViewSet)


class DeleteUnlessInUse(DeleteAction):
    """Deleting a row that others still point at (a grade people hold, a team with tickets, a calendar a
    service keeps) is refused as Wagtail refuses what it knows to be in use, not answered with a 500:
    Wagtail's usage count does not see our own tables' protected foreign keys. For every model, not only
    these: the admin's delete screens for catalogue and service levels go through the same action."""

    def _delete(self):
        try:
            return super()._delete()
        except (ProtectedError, RestrictedError) as in_use:
            raise DeletePermissionError(
                _("%(object)s is still in use, so it cannot be deleted.") % {"object": self.instance}
            ) from in_use


@hooks.register("register_actions")
def register_delete_unless_in_use(registry):
    registry.register(models.Model, DeleteUnlessInUse)


# -- planned maintenance (the service status at /status/ reads it) -----------------------------------------


class ManagersAndEditors(ModelPermissionPolicy):
    """Managers and catalogue editors (their role groups) may do everything with the model; anyone else
    what their Django permissions grant."""

    def user_has_permission(self, user, action):
        roles = getattr(user, "roles", None)
        return bool(roles and (roles.manager or roles.editor)) or super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        granted = self._get_users_with_any_permission_codenames_filter(self._get_permission_codenames(actions))
        by_role = Q(groups__name__in=[MANAGERS, EDITORS], is_active=True)
        return get_user_model().objects.filter(granted | by_role).distinct()


class MaintenanceForm(WagtailAdminModelForm):
    """Says in words what the database's check (maintenance_ends_after_start) would refuse."""

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start: choose a later end or an earlier start."))
        return cleaned


class MaintenanceViewSet(SnippetViewSet):
    """Planned work on services: shown at /status/, and in the portal's banner while it runs."""

    model = Maintenance
    icon = "cog"
    menu_label = gettext_lazy("Planned maintenance")
    add_to_admin_menu = True
    list_display = ["title", "starts_at", "ends_at", "effect"]
    list_filter = ["effect"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel(
                "services",
                widget=forms.CheckboxSelectMultiple,
                help_text=gettext_lazy("The services people may notice it on."),
            ),
            FieldRowPanel(
                [
                    FieldPanel("starts_at"),
                    FieldPanel("ends_at", help_text=gettext_lazy("After the start.")),
                ]
            ),
            FieldPanel(
                "effect",
                help_text=gettext_lazy(
                    "How the service status shows these services while the work runs; an open major incident "
                    "that is worse still wins."
                ),
            ),
            FieldPanel("details", help_text=gettext_lazy("What people will notice, and what to do meanwhile.")),
        ],
        base_form_class=MaintenanceForm,
    )


register_permission_policy(Maintenance, ManagersAndEditors(Maintenance), exact_class=True)
register_snippet(MaintenanceViewSet)
