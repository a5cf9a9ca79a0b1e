"""The catalogue, edited by catalogue editors (and managers) in the Wagtail admin."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from catalogue.admin_demand import DemandViewSet
from catalogue.admin_reviews import ReviewQueueViewSet
from catalogue.forms import RequestForm
from catalogue.models import Category, DiscountScheme, Provider, RequestType, SearchSynonym, Service
from catalogue.models.offerings import answer_key
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

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("preview/", self.preview_view, name="preview")]

    def preview_view(self, request):
        """The request form as staff will see it (the same template), built from the editor's unsaved
        changes: the edit form posted here by its "Preview the form" button; nothing is saved. `?of=` names
        the request type being edited (none while adding one)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.permission_policy.user_has_any_permission(request.user, ["add", "change"]):
            raise PermissionDenied
        of = request.GET.get("of", "")
        known = of.isascii() and of.isdigit() and len(of) <= 18  # an id, not "²" nor 10**40
        instance = get_object_or_404(RequestType, pk=int(of)) if known else RequestType()
        form = self.get_form_class()(request.POST, request.FILES, instance=instance, for_user=request.user)
        if not form.is_valid():
            return render(request, "catalogue/admin/preview_errors.html", {"form": form}, status=400)
        draft = form.save(commit=False)  # the type and its form field rows in memory only
        definitions = sorted(draft.fields.all(), key=lambda f: f.sort_order or 0)
        for definition in definitions:  # as saving would name a new question's answer
            definition.key = definition.key or answer_key(definition.label)
        context = {
            "request_type": draft,
            "service": draft.service,
            "offer": None,
            "policy": None,
            "form": RequestForm(definitions),
            "preview": True,
        }
        return render(request, "catalogue/request_form.html", context)


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


class SearchSynonymViewSet(ModelViewSet):
    """Words the catalogue search also looks for, taking effect at the next search."""

    model = SearchSynonym
    icon = "search"
    menu_label = _("Search synonyms")
    list_display = ["word", "means"]
    search_fields = ["word", "means"]
    search_backend_name = None  # the database's own "contains": these rows are not in the search index


class CatalogueGroup(ViewSetGroup):
    menu_label = _("Catalogue")
    menu_icon = "list-ul"
    items = (
        ServiceViewSet,
        RequestTypeViewSet,
        CategoryViewSet,
        ProviderViewSet,
        DiscountViewSet,
        SearchSynonymViewSet,
        ReviewQueueViewSet,
        DemandViewSet,
    )


@hooks.register("register_admin_viewset")
def register_catalogue_viewsets():
    return CatalogueGroup()
