"""What a manager chooses on /reports/: the period, who it is about, and what to break it down by."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils.choices import flatten_choices
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Division, Team
from helpdesk.reports import periods
from helpdesk.reports.measures import (
    ALL,
    BACKLOG,
    DIMENSIONS,
    EVERYONE,
    MEASURES,
    REPORT_BREAKDOWNS,
    TIMES,
    label,
)
from helpdesk.reports.periods import Period
from helpdesk.reports.read import Slice

CUSTOM = "custom"


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False)
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For dates you choose."),
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    who = forms.ChoiceField(label=_("Who"), required=False)
    by = forms.ChoiceField(label=_("Broken down by"), required=False)

    def __init__(self, data=None, *, now: datetime, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.now = now
        self.fields["period"].choices = [*periods.choices(now), (CUSTOM, _("Dates I choose"))]
        self.fields["period"].initial = periods.last_full_month(now).key
        self.fields["who"].choices = [
            (EVERYONE, _("Everyone")),
            (_("Divisions"), [(f"division:{pk}", name) for pk, name in Division.objects.values_list("pk", "name")]),
            (_("Teams"), [(f"team:{pk}", name) for pk, name in Team.objects.values_list("pk", "name")]),
        ]
        self.fields["by"].choices = [
            (ALL, _("Nothing: totals only")),
            *((key, DIMENSIONS[key].label) for key in REPORT_BREAKDOWNS),
        ]
        self.fields["by"].initial = "service"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("period") == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Give the first and the last day of the period."))
            if end < start:
                raise forms.ValidationError(_("The last day comes before the first."))
            if (end - start).days + 1 > periods.LONGEST:
                raise forms.ValidationError(_("Choose at most two years."))
        return data

    def chosen(self) -> tuple[Period, Slice]:
        """The period and slice chosen; the defaults (last full month, everyone, by service) when unbound."""
        data = self.cleaned_data if self.is_bound else {}
        key = data.get("period") or self.fields["period"].initial
        if key == CUSTOM:
            period = Period(data["start"], data["end"], "")
        else:
            period = periods.from_key(key) or periods.last_full_month(self.now)
        segment, _sep, segment_value = (data.get("who") or "").partition(":")
        by = data.get("by") or (ALL if self.is_bound else self.fields["by"].initial)
        return period, Slice(segment=segment, segment_value=segment_value, by=by)

    def query(self) -> str:
        """The choices as a query string (the defaults spelled out), for links to tickets and exports."""
        period, chosen = self.chosen()
        params = {"period": period.key or CUSTOM, "who": f"{chosen.segment}:{chosen.segment_value}".strip(":")}
        if not period.key:
            params |= {"start": period.first.isoformat(), "end": period.last.isoformat()}
        return urlencode(params | {"by": chosen.by})

    def who_label(self) -> str:
        """The name of who the report is about, as the form offered it ("Everyone", a division, a team)."""
        chosen = (self.cleaned_data if self.is_bound else {}).get("who") or EVERYONE
        return str(dict(flatten_choices(self.fields["who"].choices)).get(chosen, ""))


class DrillForm(ReportForm):
    """A report's choices plus which figure: a breakdown value (absent for the total) and a measure."""

    value = forms.CharField(required=False, max_length=40)
    measure = forms.ChoiceField(choices=[(key, label(key)) for key in (*MEASURES, *TIMES, BACKLOG)])

    def clean(self) -> dict:
        data = super().clean()
        value = self.data.get("value")
        if value is None:
            data["value"] = None  # the total: no breakdown value
            return data
        by = data.get("by") or ALL
        if by == ALL or DIMENSIONS[by].matching(value) is None:
            self.add_error("value", _("That is not a row of this report."))
        data["value"] = value
        return data
