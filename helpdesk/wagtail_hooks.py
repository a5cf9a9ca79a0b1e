"""Reference data about people, edited by managers in the Wagtail admin (/admin/)."""

from django.db import models
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.actions.delete import DeleteAction, DeletePermissionError
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from helpdesk.models import CostCentre, Division, Grade, Location, StaffSurvey, Team


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
    list_display = ["name", "email", "parent"]
    form_fields = ["name", "slug", "remit", "email", "phone", "parent", "members", "lead"]


class PeopleViewSetGroup(ViewSetGroup):
    menu_label = "People and teams"
    menu_icon = "group"
    items = (TeamViewSet, DivisionViewSet, CostCentreViewSet, GradeViewSet, LocationViewSet)


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
