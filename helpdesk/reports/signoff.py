"""Sign-off in reports: how many approvals were asked and decided in a period, how long deciding took,
and how many still waited when it ended (read from the approvals themselves: a few thousand a month)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q

from helpdesk.models import Approval
from helpdesk.reports.periods import Period, window

Decision = Approval.Decision


@dataclass(frozen=True)
class SignOff:
    asked: int
    approved: int
    not_approved: int
    waiting_at_end: int
    median_wait: timedelta | None  # from asking to deciding, for the decisions of the period

    @property
    def any(self) -> bool:
        return bool(self.asked or self.approved or self.not_approved or self.waiting_at_end)


def sign_off(period: Period) -> SignOff:
    """Everyone's approvals over `period` (days in the reporting zone). Two queries."""
    start, end = window(period)
    decided = Q(decided_at__gte=start, decided_at__lt=end)
    counts = Approval.objects.aggregate(
        asked=Count("pk", filter=Q(asked_at__gte=start, asked_at__lt=end)),
        approved=Count("pk", filter=decided & Q(decision=Decision.APPROVED)),
        not_approved=Count("pk", filter=decided & Q(decision=Decision.REJECTED)),
        waiting=Count(
            "pk",
            filter=Q(asked_at__lt=end)
            & ~Q(decision=Decision.NOT_NEEDED)
            & (Q(decided_at__isnull=True) | Q(decided_at__gte=end)),
        ),
    )
    waits = [
        decided_at - asked_at
        for asked_at, decided_at in Approval.objects.filter(decided, asked_at__isnull=False).values_list(
            "asked_at", "decided_at"
        )
    ]
    return SignOff(
        asked=counts["asked"],
        approved=counts["approved"],
        not_approved=counts["not_approved"],
        waiting_at_end=counts["waiting"],
        median_wait=statistics.median(waits) if waits else None,
    )
