from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class SuperuserAdminSite(AdminSite):
    site_header = _("Promise Desk administration")
    site_title = _("Promise Desk administration")

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser
