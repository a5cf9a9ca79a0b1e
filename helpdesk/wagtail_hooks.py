"""Reference data about people, edited by managers in the Wagtail admin (/admin/)."""

from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from helpdesk.models import CostCentre, Division, Grade, Location, Team


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
    form_fields = ["name", "slug", "remit", "email", "phone", "parent", "members"]


class PeopleViewSetGroup(ViewSetGroup):
    menu_label = "People and teams"
    menu_icon = "group"
    items = (TeamViewSet, DivisionViewSet, CostCentreViewSet, GradeViewSet, LocationViewSet)


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()
