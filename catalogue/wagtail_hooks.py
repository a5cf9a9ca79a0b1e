"""The catalogue, edited by catalogue editors (and managers) in the Wagtail admin."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from catalogue.models import Category, DiscountScheme, Provider, RequestType, Service
from catalogue.selectors import with_usage


class ServiceViewSet(ModelViewSet):
    model = Service
    icon = "list-ul"
    menu_label = _("Services")
    list_display = ["name", "category", "owner_team", "status", "review_date"]
    list_filter = ["status", "category"]
    search_fields = ["name", "summary"]
    # The database's own "contains" on these two fields: Wagtail's SQLite full-text backend names the
    # fields as columns its index does not have ("no such column: name") and failed every search.
    search_backend_name = None


class RequestTypeIndexView(IndexView):
    """The list of request types, each with its service and its use read from its submissions (sortable),
    in one query however many rows."""

    def get_base_queryset(self):
        return with_usage(super().get_base_queryset().select_related("service"))


class RequestTypeViewSet(ModelViewSet):
    model = RequestType
    icon = "form"
    menu_label = _("Request types and forms")
    index_view_class = RequestTypeIndexView
    list_display = [
        "name",
        "service",
        "kind",
        Column("times_used", label=_("Times used"), sort_key="times_used"),
        DateColumn("last_used_at", label=_("Last used"), sort_key="last_used_at"),
        "form_review_date",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


class CategoryViewSet(ModelViewSet):
    model = Category
    icon = "folder-open-inverse"
    list_display = ["name", "part", "sort_order"]


class ProviderViewSet(ModelViewSet):
    model = Provider
    icon = "link"
    list_display = ["name", "kind", "contract_reference"]


class DiscountViewSet(ModelViewSet):
    model = DiscountScheme
    icon = "tag"
    menu_label = _("Discount schemes")
    list_display = ["name", "kind", "amount", "valid_from", "valid_to"]


class CatalogueGroup(ViewSetGroup):
    menu_label = _("Catalogue")
    menu_icon = "list-ul"
    items = (ServiceViewSet, RequestTypeViewSet, CategoryViewSet, ProviderViewSet, DiscountViewSet)


@hooks.register("register_admin_viewset")
def register_catalogue_viewsets():
    return CatalogueGroup()
