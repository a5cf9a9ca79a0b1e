from django.contrib.admin import AdminSite


class SuperuserAdminSite(AdminSite):
    site_header = "Promise Desk administration"
    site_title = "Promise Desk administration"

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser
