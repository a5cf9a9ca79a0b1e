"""Named reads of clocks: running, due, ours, and by verdict (the conditions in sla/models/rules.py)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, Q, Value, When

from sla.models.rules import OUR_TARGETS, VERDICT_Q, Verdict

_RUNNING = Q(stopped_at__isnull=True, paused_at__isnull=True)


class ClockQuerySet(models.QuerySet):
    def running(self) -> ClockQuerySet:
        return self.filter(_RUNNING)

    def breaching_by(self, moment: datetime) -> ClockQuerySet:
        """Running clocks not yet breached whose deadline falls before `moment` (indexed)."""
        return self.filter(_RUNNING, breached_at__isnull=True, due_at__lt=moment)

    def for_subject(self, subject: models.Model) -> ClockQuerySet:
        return self.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)

    def ours(self) -> ClockQuerySet:
        """Clocks of the team's own targets (first response, resolution), not a provider's."""
        return self.filter(kind__in=OUR_TARGETS)

    def our_targets_on(self, model: type[models.Model]) -> ClockQuerySet:
        """Our targets' clocks on things of `model`: one per thing and target (a unique constraint)."""
        return self.ours().filter(subject_type=ContentType.objects.get_for_model(model))

    def verdicts(self) -> ClockQuerySet:
        """Judged clocks, met or missed: what compliance counts (withdrawn clocks are neither)."""
        return self.filter(VERDICT_Q[Verdict.MET] | VERDICT_Q[Verdict.MISSED])

    def with_verdict(self, verdict: str) -> ClockQuerySet:
        return self.filter(VERDICT_Q[Verdict(verdict)])

    def annotate_verdict(self) -> ClockQuerySet:
        """Each clock with `verdict`: met, missed, withdrawn, or None while it still counts."""
        return self.annotate(
            verdict=Case(*(When(q, then=Value(v.value)) for v, q in VERDICT_Q.items()), default=Value(None))
        )

    def breaches(self) -> ClockQuerySet:
        """Breaches that count: withdrawn (cancelled) work is left out, as from compliance."""
        return self.filter(breached_at__isnull=False, withdrawn=False)
