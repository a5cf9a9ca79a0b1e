"""Who may do what, by role.

Everyone who can log in is *staff*. An *analyst* is a member of one or more teams. *Managers* and
*catalogue editors* are Django groups, so an administrator grants them in the admin like any other
permission. Editors use Wagtail's own "Editors" group, which already carries page, image and document
rights; managers get the Wagtail admin and the reference data (grades, divisions, cost centres...).
"""

from dataclasses import dataclass

from django.db.models import Q

MANAGERS = "Managers"
EDITORS = "Editors"

_REFERENCE_MODELS = ("grade", "division", "costcentre", "location", "team", "cannedreply")
_ACTIONS = ("add", "change", "delete", "view")
_CATALOGUE = [
    f"catalogue.{action}_{model}"
    for model in ("service", "requesttype", "category", "provider", "discountscheme", "searchsynonym", "review")
    for action in _ACTIONS
] + ["catalogue.view_demandsignal"]  # unmet demand is recorded by the site, only read in the admin

ROLE_PERMISSIONS: dict[str, list[str]] = {
    MANAGERS: ["wagtailadmin.access_admin"]
    + [f"helpdesk.{action}_{model}" for model in _REFERENCE_MODELS for action in _ACTIONS]
    + [f"sla.{action}_{model}" for model in ("calendar", "policy") for action in _ACTIONS]
    + [f"helpdesk.{action}_staffsurvey" for action in _ACTIONS]
    + _CATALOGUE,
    EDITORS: ["wagtailadmin.access_admin"] + _CATALOGUE,
}


def managers_q() -> Q:
    """Managers as a query on people: the Managers group or a superuser (as `User.roles.manager`)."""
    return Q(groups__name=MANAGERS) | Q(is_superuser=True)


@dataclass(frozen=True)
class Roles:
    analyst: bool = False
    manager: bool = False
    editor: bool = False

    @property
    def names(self) -> list[str]:
        return [name for name in ("analyst", "manager", "editor") if getattr(self, name)]


def ensure_role_groups() -> None:
    """Create the role groups and grant their permissions; safe to run any number of times.

    Permissions that do not exist (an app not installed yet) are skipped, not created.
    """
    from django.contrib.auth.models import Group, Permission

    for group_name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = Permission.objects.none()
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted = wanted | Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*wanted)
    _grant_pages()


# Rights over every page of the site, held on the root of the page tree: editors and managers write and
# publish the catalogue and the IT Promise themselves (Wagtail's moderation workflow stays for anyone an
# administrator gives edit rights without publish).
PAGE_RIGHTS = {
    EDITORS: ("add_page", "change_page", "publish_page"),
    MANAGERS: ("add_page", "change_page", "publish_page"),
}


def _grant_pages() -> None:
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission, Page

    root = Page.get_first_root_node()
    if root is None:
        return
    for group_name, codenames in PAGE_RIGHTS.items():
        group = Group.objects.get(name=group_name)
        for permission in Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=codenames):
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
