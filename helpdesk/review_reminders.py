"""Reminders to owners of services and forms due for their yearly review: one when the review is 30 days
away (or less, for something first due sooner), one when it is overdue. Run by the scheduler
(`helpdesk.tasks.send_review_reminders`); safe to run any number of times.

Each thing is reminded at most once per stage and review date. What was sent is read back from the mail
itself, with no table of its own: a reminder is a `Mail` with purpose OTHER whose subject starts with a
fixed, untranslated tag, `[review service-12 2026-03-01 soon]` (kind, id, the review date it is about,
stage). Recording a review moves the date, so the next year's reminders have new tags. The daily pruning
of sent mail keeps these for `KEEP_FOR` (see `helpdesk.tasks.prune_task_results`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalogue import reviews
from helpdesk import outbox
from helpdesk.languages import writing_for
from helpdesk.models import Mail

TAG_PREFIX = "[review "
# Longer than any review can stay due or overdue without someone being told again a year on.
KEEP_FOR = timedelta(days=400)


class Stage:
    SOON = "soon"
    OVERDUE = "overdue"


def tag_for(row: reviews.QueueRow, stage: str) -> str:
    return f"{TAG_PREFIX}{row.key} {row.due:%Y-%m-%d} {stage}]"


def already_sent(now: datetime) -> set[str]:
    """Tags of the reminders written within `KEEP_FOR`, in one query."""
    subjects = Mail.objects.filter(
        purpose=Mail.Purpose.OTHER, subject__startswith=TAG_PREFIX, created_at__gte=now - KEEP_FOR
    ).values_list("subject", flat=True)
    return {subject.partition("]")[0] + "]" for subject in subjects}


def _mail(row: reviews.QueueRow, stage: str) -> outbox.Outgoing:
    context = {
        "row": row,
        "overdue": stage == Stage.OVERDUE,
        "link": settings.WAGTAILADMIN_BASE_URL + reverse("reviews:index"),
    }
    with writing_for(None):  # an owner is a team or a person known by address: the site's language
        if stage == Stage.OVERDUE:
            text = _("Review overdue: %(thing)s (due %(day)s)")
        else:
            text = ngettext(
                "Review due in %(days)s day: %(thing)s (due %(day)s)",
                "Review due in %(days)s days: %(thing)s (due %(day)s)",
                row.days_left,
            )
        subject = text % {"thing": row.thing, "day": date_format(row.due, "DATE_FORMAT"), "days": row.days_left}
        body = render_to_string("emails/review_reminder.txt", context)
    return outbox.Outgoing(
        to=list(row.owner.addresses),
        subject=f"{tag_for(row, stage)} {subject}",
        body=body,
        purpose=Mail.Purpose.OTHER,
    )


def send_review_reminders(*, now: datetime | None = None) -> int:
    """Queue the reminders due and not sent yet; returns how many mails were written. A thing whose owner
    has no address (no owner, no lead, no team address) is skipped and shows so in the admin queue."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        sent = already_sent(now)
        mails = []
        for row in reviews.review_queue(today=today, show=reviews.Show.DUE):
            stage = Stage.OVERDUE if row.overdue else Stage.SOON
            if tag_for(row, stage) in sent or not row.owner.addresses:
                continue
            mails.append(_mail(row, stage))
        return len(outbox.queue(mails, now=now))
