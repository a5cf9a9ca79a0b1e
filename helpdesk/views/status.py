"""The service status page: public, read-only, thin over helpdesk/status.py."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helpdesk import status


@require_GET
def service_status(request) -> HttpResponse:
    """Every offered service and how it stands, the open major incidents, maintenance running and coming.
    Anyone may read it; an incident's reference and latest words go only to people who may see its ticket."""
    return render(request, "helpdesk/status.html", status.page_context(request.user))
