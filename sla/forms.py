from wagtail.admin.forms import WagtailAdminModelForm

from sla.clock import WorkingHours


class CalendarForm(WagtailAdminModelForm):
    """Checks the week as a whole: opening hours that overlap on one day are refused with the clock's own
    message, before they can reach a sweep."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("opening_hours")
        if formset is None or not formset.is_valid():
            return cleaned
        week: dict[int, list[tuple[str, str]]] = {}
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data and not data.get("DELETE") and data.get("opens") and data.get("closes"):
                week.setdefault(int(data["weekday"]), []).append((data["opens"], data["closes"]))
        try:
            WorkingHours(cleaned.get("time_zone") or "UTC", week)
        except ValueError as error:
            self.add_error(None, str(error))
        return cleaned
