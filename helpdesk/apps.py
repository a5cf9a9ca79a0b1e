from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


def _after_last_migrate(sender, **kwargs) -> None:
    # post_migrate is sent once per app; permissions exist only once every app has had its turn.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label == last.label:
        from helpdesk.roles import ensure_role_groups

        ensure_role_groups()


class HelpdeskConfig(AppConfig):
    default = True
    name = "helpdesk"
    verbose_name = "Helpdesk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_after_last_migrate, dispatch_uid="helpdesk.roles")


class SuperuserAdminConfig(admin_apps.AdminConfig):
    """The Django admin, for superusers only: everyone else edits through the Wagtail admin."""

    default = False
    default_site = "helpdesk.admin_site.SuperuserAdminSite"
