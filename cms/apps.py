from django.apps import AppConfig


class CmsConfig(AppConfig):
    verbose_name = "Site pages"
    name = "cms"
    default_auto_field = "django.db.models.BigAutoField"
