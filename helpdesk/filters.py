"""The desk's filters: every one in the URL, choices scoped to what the analyst may see."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta

import django_filters
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import RequestKind
from helpdesk.models import OPEN_STATES, Channel, State, Team, Ticket, User
from helpdesk.models.tickets import PREFIXES, SEARCH_LIMIT, TEAM_STATE_LABELS, reference_for
from helpdesk.queues import AGE_BANDS, SLA_STATE_Q, paused_q
from helpdesk.verdicts import target_breaches, target_verdicts
from sla.models import Priority

REFERENCE = re.compile(r"^(INC|REQ)-?(\d{1,9})$", re.IGNORECASE)
NUMBER = re.compile(r"^\d{1,9}$")  # ASCII digits only: "²" is not a number here


def references_in(search: str) -> list[str]:
    """The ticket references a desk search names: one for "REQ-302" (any case, spaces ignored), both
    kinds for a bare number; none for anything else."""
    compact = search.replace(" ", "")
    if reference := REFERENCE.match(compact):
        return [reference_for(reference.group(1).upper(), int(reference.group(2)))]
    if NUMBER.match(compact):
        return [reference_for(prefix, int(compact)) for prefix in PREFIXES.values()]
    return []


SLA_CHOICES = [
    ("on_track", _("On track")),
    ("warning", _("At risk")),
    ("breached", _("Breached")),
    ("today", _("Breaching today")),
    ("paused", _("Paused")),
]
# What happened to a ticket's targets (the board's compliance and breach figures drill down to these).
OUTCOMES = [
    ("met_response", _("First response on time")),
    ("missed_response", _("First response late")),
    ("met_resolution", _("Resolved on time")),
    ("missed_resolution", _("Resolved late")),
    ("breached", _("Any target breached")),
]
# The desk is the team's: its states in the team's words (helpdesk/models/tickets.py).
STATE_CHOICES = [("open", _("Any open state")), *((v, TEAM_STATE_LABELS.get(v, label)) for v, label in State.choices)]
# Soonest due first, tickets with no clock running last (NULLS LAST also matches PostgreSQL's index order).
_DUE = F("due_at").asc(nulls_last=True)
SORTS = {
    "due": (_DUE, "id"),
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "priority": ("priority", _DUE, "id"),
    "-updated": ("-updated_at", "-id"),
}


class DeskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Reference, number, requester or words in the summary"), method="search", max_length=SEARCH_LIMIT
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=STATE_CHOICES, method="filter_state", empty_label=_("Any state")
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=[(p, p) for p in Priority.values], empty_label=_("Any priority")
    )
    team = django_filters.ChoiceFilter(label=_("Team"), field_name="team_id", empty_label=_("Any team"))
    # A username at most (Django's limit): a longer one matches nobody and is not looked up.
    assignee = django_filters.CharFilter(label=_("Assignee"), method="filter_assignee", max_length=150)
    service = django_filters.ChoiceFilter(label=_("Service"), field_name="service_id", empty_label=_("Any service"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=RequestKind.choices, empty_label=_("Any kind"))
    channel = django_filters.ChoiceFilter(label=_("Came in by"), choices=Channel.choices, empty_label=_("Any way"))
    sla = django_filters.ChoiceFilter(
        label=_("Service level"), choices=SLA_CHOICES, method="filter_sla", empty_label=_("Any")
    )
    created_after = django_filters.DateFilter(label=_("Raised from"), field_name="created_at", method="on_or_after")
    created_before = django_filters.DateFilter(label=_("Raised to"), field_name="created_at", method="on_or_before")
    due_before = django_filters.DateFilter(label=_("Due by"), field_name="due_at", method="on_or_before")
    age = django_filters.ChoiceFilter(
        label=_("Open for"), choices=[(band.key, band.label) for band in AGE_BANDS], method="filter_age"
    )
    resolved_after = django_filters.DateFilter(label=_("Resolved from"), field_name="resolved_at", method="on_or_after")
    resolved_before = django_filters.DateFilter(label=_("Resolved to"), field_name="resolved_at", method="on_or_before")
    outcome = django_filters.ChoiceFilter(label=_("Target"), choices=OUTCOMES, method="filter_outcome")
    measured_after = django_filters.DateFilter(label=_("Target met or missed from"), method="measured_range")
    measured_before = django_filters.DateFilter(label=_("Target met or missed to"), method="measured_range")
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        method="filter_sort",
        empty_label=_("Soonest due"),
        choices=[
            ("-created", _("Newest")),
            ("created", _("Oldest")),
            ("priority", _("Priority")),
            ("-updated", _("Recently changed")),
        ],
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, *args, user: User, now: datetime, teams: list[Team], services: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.now = user, now
        # Choices from what the view already loaded: no query of their own.
        mine = teams if user.roles.manager else [t for t in teams if t.pk in user.team_ids]
        self.filters["team"].extra["choices"] = [(str(t.pk), t.name) for t in mine]
        self.filters["service"].extra["choices"] = [(str(pk), name) for pk, name in services]

    def form_key(self) -> str:
        """Everything the form's HTML but the free-text search depends on (the values asked for and the
        choices offered), so it can be cached under it: a new service or a renamed team makes a new key."""
        choices = [self.filters[name].extra["choices"] for name in ("team", "service")]
        parts = [sorted((name, values) for name, values in self.data.lists() if name != "q"), choices]
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    @property
    def qs(self):
        queryset = super().qs
        if not self.is_bound or not self.data.get("sort"):
            queryset = queryset.order_by(*SORTS["due"])
        return queryset

    def search(self, queryset, name, value):
        """A reference ("REQ-302", "req 000302") or its bare number ("302"), in any state; an email
        address is its requester's; other words are looked for in the summary and the requester's name."""
        value = value.strip()
        references = references_in(value)
        if references:  # unique, indexed lookups
            return queryset.filter(reference__in=references)
        if "@" in value:
            return queryset.filter(requester__email__iexact=value)
        if not value:
            return queryset
        named = User.objects.annotate(full_name=Concat("first_name", Value(" "), "last_name"))
        return queryset.filter(
            Q(title__icontains=value) | Q(requester__in=named.filter(full_name__icontains=value).values("pk"))
        )

    def filter_state(self, queryset, name, value):
        return queryset.filter(state__in=OPEN_STATES) if value == "open" else queryset.filter(state=value)

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value) if value else queryset

    def filter_sla(self, queryset, name, value):
        now = self.now
        if value in SLA_STATE_Q:
            return queryset.filter(SLA_STATE_Q[value](now))
        if value == "today":
            end_of_day = datetime.combine(timezone.localdate(now), time.max, tzinfo=timezone.get_current_timezone())
            return queryset.filter(state__in=OPEN_STATES, due_at__lte=end_of_day)
        return queryset.filter(paused_q())

    def filter_age(self, queryset, name, value):
        band = next(band for band in AGE_BANDS if band.key == value)
        queryset = queryset.filter(created_at__lte=self.now - band.at_least)
        return queryset.filter(created_at__gt=self.now - band.under) if band.under else queryset

    def on_or_after(self, queryset, name, value):
        """From local midnight of that day: a range on the column, so its index serves it."""
        start = _day_start(value)
        return queryset.filter(**{f"{name}__gte": start}) if start else queryset

    def on_or_before(self, queryset, name, value):
        """Up to the end of that day (no limit on the last day there is)."""
        end = _day_start(value, days=1)
        return queryset.filter(**{f"{name}__lt": end}) if end else queryset

    def measured_range(self, queryset, name, value):
        """The two dates are read together: by `filter_outcome` with an outcome, else in `filter_queryset`."""
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("outcome") and (data.get("measured_after") or data.get("measured_before")):
            # Dates alone: tickets with any target met or missed in those days.
            clocks = self._measured(target_verdicts(), "stopped_at")
            queryset = queryset.filter(Exists(clocks.filter(subject_id=OuterRef("pk"))))
        return queryset

    def filter_outcome(self, queryset, name, value):
        """Tickets with a target met or missed (or breached at all) within the measured dates: the same
        verdicts the board counts."""
        if value == "breached":
            clocks, field = target_breaches(), "breached_at"
        else:
            verdict, kind = value.split("_")
            clocks, field = target_verdicts(verdict=verdict, kind=kind), "stopped_at"
        clocks = self._measured(clocks, field)
        return queryset.filter(Exists(clocks.filter(subject_id=OuterRef("pk"))))

    def _measured(self, clocks, field: str):
        """Clocks whose `field` falls within the measured dates (whole local days)."""
        data = self.form.cleaned_data
        start = _day_start(data["measured_after"]) if data.get("measured_after") else None
        end = _day_start(data["measured_before"], days=1) if data.get("measured_before") else None
        if start:
            clocks = clocks.filter(**{f"{field}__gte": start})
        if end:
            clocks = clocks.filter(**{f"{field}__lt": end})
        return clocks

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["due"]))


def _day_start(day: date, *, days: int = 0) -> datetime | None:
    """Midnight at the start of `day` (plus `days`) in the reader's time zone, in UTC; None beyond the
    first or last instant a date can hold (no limit there, rather than an error)."""
    try:
        local = datetime.combine(day + timedelta(days=days), time.min, tzinfo=timezone.get_current_timezone())
        return local.astimezone(UTC)
    except OverflowError:
        return None
