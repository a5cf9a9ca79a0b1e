from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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
    if roles.manager:
        items.append((_("Dashboard"), reverse("dashboard")))
        items.append((_("Reports"), reverse("reports")))
        items.append((_("Mail not delivered"), reverse("mail")))
    if roles.manager or roles.editor:
        items.append((_("Edit the site"), reverse("wagtailadmin_home")))
    # The deepest area the page is in is the current one (/dashboard/mail/ is not the dashboard).
    current = max((url for _label, url in items if request.path.startswith(url)), key=len, default=None)
    return {"nav_items": [NavItem(str(label), url, url == current) for label, url in items]}
