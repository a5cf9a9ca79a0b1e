from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One due run of a periodic job. The unique constraint lets several schedulers run side by side:
    whichever inserts the row enqueues the job, the others skip it."""

    name = models.CharField(_("job"), max_length=100)
    due_at = models.DateTimeField(_("due at"))
    enqueued_at = models.DateTimeField(_("queued at"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "due_at"], name="periodic_run_once_per_slot")]
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")

    def __str__(self) -> str:
        return f"{self.name} @ {self.due_at:%Y-%m-%d %H:%M:%S}"
