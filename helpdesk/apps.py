from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps
from django.db import transaction
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy


def _after_last_migrate(sender, **kwargs) -> None:
    # post_migrate is sent once per app; permissions exist only once every app has had its turn.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label == last.label:
        from helpdesk.roles import ensure_role_groups

        ensure_role_groups()


def _copy_retimed_deadlines(sender, *, subject_ids_by_type: dict[int, set[int]], **kwargs) -> None:
    """Clocks re-timed after a calendar or policy edit: their tickets copy the new soonest deadlines
    (one UPDATE per batch of clocks; sla/ knows nothing of tickets, so it says what moved)."""
    from django.contrib.contenttypes.models import ContentType

    from helpdesk.models import Ticket

    ids = subject_ids_by_type.get(ContentType.objects.get_for_model(Ticket).pk)
    if ids:
        with transaction.atomic():
            # Ticket rows first, as every writer takes them (then clocks): an UPDATE that only waited
            # for a row a transition held would copy clocks as they were before that transition.
            tickets = Ticket.objects.filter(pk__in=ids)
            list(tickets.select_for_update().order_by("pk").values_list("pk", flat=True))
            tickets.refresh_sla()


def _write_alert_digests(sender, *, digests, **kwargs) -> None:
    """The SLA sweep's digests become mail in the sweep's own transaction (sla/ sends no mail itself)."""
    from helpdesk import outbox
    from helpdesk.models import Mail

    outbox.queue(
        outbox.Outgoing(
            to=[d.address], subject=d.subject, body=d.body, purpose=Mail.Purpose.SLA_ALERT, sla_event_ids=d.event_ids
        )
        for d in digests
    )


class HelpdeskConfig(AppConfig):
    default = True
    name = "helpdesk"
    verbose_name = gettext_lazy("Helpdesk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import helpdesk.webhooks  # noqa: F401 - connects forget_active before any webhook is saved
        from sla.repair import clocks_retimed
        from sla.scan import alerts_ready

        post_migrate.connect(_after_last_migrate, dispatch_uid="helpdesk.roles")
        clocks_retimed.connect(_copy_retimed_deadlines, dispatch_uid="helpdesk.retimed_deadlines")
        alerts_ready.connect(_write_alert_digests, dispatch_uid="helpdesk.alert_digests")


class SuperuserAdminConfig(admin_apps.AdminConfig):
    """The Django admin, for superusers only: everyone else edits through the Wagtail admin."""

    default = False
    default_site = "helpdesk.admin_site.SuperuserAdminSite"
