"""/api/: the tickets, the catalogue, people and reports; the OpenAPI schema and its docs page."""

from csp.decorators import csp
from django.urls import path, re_path
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from helpdesk.api import problems, views

# The docs page runs Swagger UI from our own static files (drf-spectacular-sidecar), its start-up script
# from a URL of its own (the split view): no inline script, no CDN. Swagger UI sets inline styles and
# draws its icons as data: images, so this page alone allows those.
DOCS_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


@method_decorator(csp(DOCS_POLICY), name="dispatch")
class Docs(SpectacularSwaggerSplitView):
    url_name = "api-schema"


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", Docs.as_view(), name="api-docs"),
    path("tickets/", views.TicketList.as_view(), name="api-tickets"),
    path("tickets/<str:reference>/", views.TicketDetail.as_view(), name="api-ticket"),
    path("tickets/<str:reference>/replies/", views.TicketReply.as_view(), name="api-ticket-replies"),
    path("tickets/<str:reference>/notes/", views.TicketNote.as_view(), name="api-ticket-notes"),
    path("tickets/<str:reference>/transitions/", views.TicketTransition.as_view(), name="api-ticket-transitions"),
    path(
        "tickets/<str:reference>/provider-answer/",
        views.TicketProviderAnswer.as_view(),
        name="api-ticket-provider-answer",
    ),
    path("services/", views.ServiceList.as_view(), name="api-services"),
    path("request-types/<slug:slug>/", views.RequestTypeDetail.as_view(), name="api-request-type"),
    path("request-types/<slug:slug>/ask/", views.RequestTypeAsk.as_view(), name="api-request-type-ask"),
    path("people/", views.PeopleSearch.as_view(), name="api-people"),
    path("reports/", views.ReportFigures.as_view(), name="api-reports"),
    # Anything else under /api/ is a problem, not the site's HTML page.
    re_path(r"^.*$", problems.not_found, name="api-not-found"),
]
