"""The review queue in the Wagtail admin (/admin/reviews/): services and forms overdue or due for their
yearly review, and recording a review of each. For whoever may add reviews (catalogue editors, managers)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from catalogue import reviews
from catalogue.models import Review

PERMISSION = "catalogue.add_review"
EDIT_URLS = {reviews.Kind.SERVICE: "service:edit", reviews.Kind.FORM: "requesttype:edit"}
SHOW_LABELS = {
    reviews.Show.DUE: gettext_lazy("Overdue or due within 30 days"),
    reviews.Show.UNUSED: gettext_lazy("Unused in the last 12 months"),
    reviews.Show.ALL: gettext_lazy("Everything"),
}


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Review.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=Review._meta.get_field("note").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was looked at and why this was decided."),
    )
    next_review_on = forms.DateField(
        label=gettext_lazy("Next review"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Empty: a year from today. Not used when retired."),
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_next_review_on(self):
        day = self.cleaned_data["next_review_on"]
        if day is not None and day <= self.today:
            raise ValidationError(_("The next review must be after today."))
        return day


def _may_review(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _pk(raw: str) -> int:
    """An id from the address, or 404: not "²", not 10**40 (too large for the database)."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise Http404
    return int(raw)


class ReviewQueueViewSet(ViewSet):
    name = "reviews"
    icon = "date"
    menu_label = gettext_lazy("Reviews due")

    @cached_property
    def menu_item_class(self):
        class ReviewMenuItem(MenuItem):
            def is_shown(self, request):
                return request.user.has_perm(PERMISSION)

        return ReviewMenuItem

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("<slug:kind>/<str:pk>/", self.record_view, name="record"),
        ]

    def _context(self, **extra) -> dict:
        return {
            "header_title": _("Reviews due"),
            "page_title": _("Reviews due"),
            "header_icon": self.icon,
            "index_url": reverse(self.get_url_name("index")),
            **extra,
        }

    def index_view(self, request: HttpRequest) -> HttpResponse:
        """The queue (`?show=` due, unused or all), each row with its own "Record a review" form."""
        _may_review(request)
        show = request.GET.get("show", reviews.Show.DUE)
        if show not in SHOW_LABELS:
            show = reviews.Show.DUE
        today = timezone.localdate()
        rows = reviews.review_queue(today=today, show=show)
        record = self.get_url_name("record")
        context = self._context(
            # Each row's form with ids of its own (a label finds its field), posting to that row's address.
            items=[
                (
                    row,
                    reverse(record, args=[row.kind, row.thing.pk]),
                    ReviewForm(today=today, auto_id=f"{row.key}-%s"),
                    reverse(EDIT_URLS[row.kind], args=[row.thing.pk]),
                )
                for row in rows
            ],
            show=show,
            shows=list(SHOW_LABELS.items()),
        )
        return render(request, "catalogue/admin/reviews.html", context)

    def record_view(self, request: HttpRequest, kind: str, pk: str) -> HttpResponse:
        """Record a review of one service or form: the form (GET), or its result (POST). A form that does
        not validate comes back with what was typed and a 400."""
        _may_review(request)
        today = timezone.localdate()
        thing = reviews.to_review(kind, _pk(pk), today=today)
        if thing is None:
            raise Http404
        form = ReviewForm(request.POST or None, today=today)
        if request.method == "POST" and form.is_valid():
            try:
                reviews.record_review(
                    thing,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                    next_review_on=form.cleaned_data["next_review_on"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Review of “%(thing)s” recorded.") % {"thing": thing})
                return redirect(self.get_url_name("index"))
        row = reviews.review_row(kind, thing, today)
        context = self._context(row=row, form=form, action=request.path)
        status = 400 if request.method == "POST" else 200
        return render(request, "catalogue/admin/reviews_record.html", context, status=status)
