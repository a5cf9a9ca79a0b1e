from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from helpdesk import status
from helpdesk.satisfaction import leads_a_team


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def navigation(request) -> dict:
    """The main menu for the person looking: only the areas their roles open."""
    user = getattr(request, "user", None)
    # The catalogue for everyone, at its stable address (cms/views.py): no lookup of its page here.
    catalogue = (_("Services"), reverse("catalogue"))
    if user is None or not user.is_authenticated:
        return {"nav_items": [NavItem(str(catalogue[0]), catalogue[1], False)]}
    roles = user.roles
    items = [catalogue, (_("My requests"), reverse("my"))]
    if roles.analyst or roles.manager:
        items.append((_("Desk"), reverse("desk")))
    # Managers, and analysts who lead a team (read with the person's teams and roles: no query of its own).
    if (roles.manager or roles.analyst) and leads_a_team(user):
        items.append((_("Follow-ups"), reverse("follow-ups")))
    if roles.analyst or roles.manager:
        items.append((_("Problems"), reverse("problems")))
        items.append((_("Improvements"), reverse("improvements")))
    else:
        items.append((_("Suggest an improvement"), reverse("improvement-suggest")))
    if roles.manager:
        items.append((_("Dashboard"), reverse("dashboard")))
        items.append((_("Reports"), reverse("reports")))
        items.append((_("Mail not delivered"), reverse("mail")))
        items.append((_("Webhooks"), reverse("webhooks")))
    if roles.manager or roles.editor:
        items.append((_("Edit the site"), reverse("wagtailadmin_home")))
    # The deepest area the page is in is the current one (/dashboard/mail/ is not the dashboard).
    current = max((url for _label, url in items if request.path.startswith(url)), key=len, default=None)
    return {"nav_items": [NavItem(str(label), url, url == current) for label, url in items]}


# Where the service status banner shows: the portal (/my/...), asking from the catalogue, and every page of
# the site Wagtail serves (home, catalogue, services, the promise). Not the desk, reports or the admin.
_BANNER_ROUTES = {"wagtail_serve", "ask"}


def status_banner(request) -> dict:
    """`status_banner`: the service status summary (helpdesk.status.Banner, false when all is well) on
    portal and catalogue pages, None elsewhere. Read lazily, only by a page that shows it, from a summary
    cached for a minute: no query on most requests, one when the cache is cold."""

    def read() -> status.Banner | None:
        match = getattr(request, "resolver_match", None)
        on_portal = request.path_info.startswith("/my/") or (match is not None and match.url_name in _BANNER_ROUTES)
        return status.banner() if on_portal else None

    return {"status_banner": SimpleLazyObject(read)}
