"""The projects section of the monthly board report (helpdesk/board/), read from the project pages.

`helpdesk` may not import `cms`, so this section is handed over through the Wagtail hook
`board_report_sections` (cms/wagtail_hooks.py).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from catalogue.models import RequestKind
from cms.models import ProjectPage
from helpdesk.board.figures import Column, Section, Table
from helpdesk.models import State, Ticket
from helpdesk.models.people import display_name
from helpdesk.reports.periods import Period
from sla.models import Priority


def projects(period: Period, start: datetime, end: datetime) -> list[Section]:
    """Every live project still under way (or with a milestone due this month): phase, health, milestones
    due and slipped, and the critical incidents raised this month on the services it changes."""
    pages = list(
        ProjectPage.objects.live()
        .filter(locale__language_code=settings.LANGUAGE_CODE)  # one row a project (the report's language)
        .select_related("sponsor")
        .prefetch_related("milestones", "services")
        .order_by("title")
    )
    service_ids = {service.pk for page in pages for service in page.services.all()}
    critical = dict(
        Ticket.objects.exclude(state=State.CANCELLED)
        .filter(
            merged_into=None,
            kind=RequestKind.INCIDENT,
            priority=Priority.P1,
            service_id__in=service_ids,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values_list("service_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    phases, healths = dict(ProjectPage.Phase.choices), dict(ProjectPage.Health.choices)
    rows, milestone_rows = [], []
    for page in pages:
        milestones = sorted(page.milestones.all(), key=lambda m: (m.due, m.name))
        due = [m for m in milestones if period.first <= m.due <= period.last]
        slipped = [m for m in milestones if m.due <= period.last and not m.done]
        if page.phase == ProjectPage.Phase.DONE and not due:
            continue
        upcoming = next((m for m in milestones if m.due > period.last and not m.done), None)
        sponsor = page.sponsor
        rows.append(
            [
                page.title,
                str(phases.get(page.phase, page.phase)),
                str(healths.get(page.status, page.status)),
                display_name(sponsor.first_name, sponsor.last_name, sponsor.username) if sponsor else "",
                len(due),
                sum(1 for m in due if m.done),
                len(slipped),
                f"{upcoming.name} ({date_format(upcoming.due, 'DATE_FORMAT')})" if upcoming else "",
                sum(critical.get(service.pk, 0) for service in page.services.all()),
            ]
        )
        for milestone in milestones:
            if milestone in due or milestone in slipped:
                state = _("Done") if milestone.done else _("Slipped")  # the month is over: not done is late
                milestone_rows.append([page.title, milestone.name, milestone.due.isoformat(), state])
    roll_up = Table(
        "projects",
        _("Projects"),
        [
            Column(_("Project")),
            Column(_("Phase")),
            Column(_("Health")),
            Column(_("Sponsor")),
            Column(_("Milestones due this month"), "count"),
            Column(_("Of those, done"), "count"),
            Column(_("Milestones slipped"), "count"),
            Column(_("Next milestone")),
            Column(_("Critical incidents this month"), "count"),
        ],
        rows,
        note=_(
            "Slipped: due by the end of the month and not marked done on the project's page when the report was "
            "made. Critical incidents: incidents of the highest priority (P1 critical) raised this month on the "
            "services the project changes, neither cancelled nor merged into another."
        ),
        empty=_("No project is under way."),
    )
    milestones_table = Table(
        "milestones",
        _("Milestones due this month, and those slipped"),
        [Column(_("Project")), Column(_("Milestone")), Column(_("Due"), "date"), Column(_("State"))],
        milestone_rows,
        empty=_("No milestone was due this month and none has slipped."),
    )
    return [
        Section(
            "projects",
            _("Projects"),
            _("Where each project stands, read from its page on the site."),
            facts=[
                [_("Projects under way"), str(len(rows)), ""],
                [_("Milestones slipped"), str(sum(row[6] for row in rows)), ""],
            ],
            tables=[roll_up, milestones_table],
        )
    ]
