from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    verbose_name = _("Site pages")
    name = "cms"
    default_auto_field = "django.db.models.BigAutoField"
