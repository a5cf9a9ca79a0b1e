from django.apps import AppConfig


class SlaConfig(AppConfig):
    verbose_name = "Service levels"
    name = "sla"
    default_auto_field = "django.db.models.BigAutoField"
