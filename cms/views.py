"""A stable address for the catalogue, whatever its editors call its page (the navigation links here, so
no page of the site looks the catalogue up to draw its menu)."""

from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cms.models import CatalogueIndexPage, StatusPage, in_reader_language
from helpdesk.views import service_status


def catalogue(request):
    """Redirect to the live catalogue page, with the search asked for (a search box anywhere can send its
    words here); 404 while there is none."""
    page = in_reader_language(CatalogueIndexPage)
    if page is None:
        raise Http404(_("No catalogue is published yet."))
    url = page.get_url(request)
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


@require_GET
def status(request):
    """The service status at its stable address (the portal's banner links here): the editors' status page
    in the reader's language while one is published, served here whatever its own slug, else the board on
    its own."""
    page = in_reader_language(StatusPage)
    if page is None or page.get_view_restrictions().exists():
        # A page kept for some readers is served only at its own address, where Wagtail asks who reads.
        return service_status(request)
    return page.serve(request)
