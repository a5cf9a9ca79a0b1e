from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    verbose_name = _("Service levels")
    name = "sla"
    default_auto_field = "django.db.models.BigAutoField"
