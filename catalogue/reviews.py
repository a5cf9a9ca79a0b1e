"""The yearly review of services and forms: what is due, who owns it, whether it is used, and recording
the decision.

Rules, written once and used by the admin queue, the owners' reminders and (later) the board report:

- A thing is *overdue* when its review date has passed (the date itself is still the day it is due), and
  *due soon* when that date is within the next `SOON` days.
- Only what is still in the catalogue is reviewed: services that are not retired, and request types open
  for requests (`is_active`) whose service is not retired. Retiring is the catalogue's own: a service's
  `status` becomes RETIRED, a request type's `is_active` False.
- *Uses* of a form are its submissions (the rule `selectors.with_usage` counts, read from the same usage
  index) made in the twelve months before today; a service's uses are those of all its forms. A form with
  none is *unused*.
- The *owner* to ask is the form's owner (forms only), else the service owner, else the owner team's lead,
  else the owner team's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import ModelLogEntry

from catalogue.models import RequestType, Review, Service, Submission

SOON = timedelta(days=30)
# Admin edits that count as the last change of a service or form (Wagtail's own log of the admin).
_EDITS = ("wagtail.create", "wagtail.edit")


def year_on(day: date) -> date:
    """The same day a year later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def year_before(day: date) -> date:
    """The same day a year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def overdue_q(field: str, today: date) -> Q:
    return Q(**{f"{field}__lt": today})


def due_soon_q(field: str, today: date) -> Q:
    return Q(**{f"{field}__gte": today, f"{field}__lte": today + SOON})


def due_by_q(field: str, today: date) -> Q:
    """Overdue or due soon: what the queue shows first and owners are reminded of."""
    return Q(**{f"{field}__lte": today + SOON})


def _year_start(today: date) -> datetime:
    """The start (local midnight) of the twelve months that end today."""
    return datetime.combine(
        year_before(today) + timedelta(days=1), datetime.min.time(), timezone.get_current_timezone()
    )


def _uses(submissions: QuerySet[Submission], group_by: str) -> Coalesce:
    return Coalesce(Subquery(submissions.order_by().values(group_by).annotate(n=Count("pk")).values("n")), 0)


def _last_edit(model) -> Subquery:
    content_type = ContentType.objects.get_for_model(model)
    edits = ModelLogEntry.objects.filter(
        content_type=content_type, object_id=Cast(OuterRef("pk"), CharField()), action__in=_EDITS
    )
    return Subquery(edits.order_by("-timestamp").values("timestamp")[:1])


def _last_review(of: str, value: str) -> Subquery:
    return Subquery(Review.objects.filter(**{of: OuterRef("pk")}).order_by("-reviewed_at", "-pk").values(value)[:1])


def services_to_review(today: date) -> QuerySet[Service]:
    """Services in the catalogue with what the queue shows, in one query: `uses` (submissions to any of
    its forms in the twelve months to `today`), `last_edited_at` (None when never edited in the admin),
    `last_reviewed_at` and `last_outcome` (None when never reviewed)."""
    since = _year_start(today)
    return (
        Service.objects.offered()
        .select_related("owner_team__lead", "service_owner")
        .annotate(
            uses=_uses(
                Submission.objects.filter(request_type__service=OuterRef("pk"), created_at__gte=since),
                "request_type__service",
            ),
            last_edited_at=_last_edit(Service),
            last_reviewed_at=_last_review("service", "reviewed_at"),
            last_outcome=_last_review("service", "outcome"),
        )
    )


def request_types_to_review(today: date) -> QuerySet[RequestType]:
    """Request types in the catalogue, annotated as `services_to_review`'s services are, in one query."""
    since = _year_start(today)
    return (
        RequestType.objects.filter(is_active=True)
        .exclude(service__status=Service.Status.RETIRED)
        .select_related("form_owner", "service__service_owner", "service__owner_team__lead")
        .annotate(
            uses=_uses(Submission.objects.filter(request_type=OuterRef("pk"), created_at__gte=since), "request_type"),
            last_edited_at=_last_edit(RequestType),
            last_reviewed_at=_last_review("request_type", "reviewed_at"),
            last_outcome=_last_review("request_type", "outcome"),
        )
    )


@dataclass(frozen=True)
class Owner:
    """Whom to ask: a display name and the addresses to write to (empty when nobody has one)."""

    name: str
    addresses: tuple[str, ...]


def owner_of(thing: Service | RequestType) -> Owner:
    """The owner to ask about `thing` (see the module's rules); read from what the `*_to_review` querysets
    select, so without a query."""
    people = [thing.form_owner] if isinstance(thing, RequestType) else []
    service = thing.service if isinstance(thing, RequestType) else thing
    people += [service.service_owner, service.owner_team.lead]
    for person in people:
        if person is not None and person.is_active and person.email:
            return Owner(person.get_full_name() or person.get_username(), (person.email,))
    team = service.owner_team
    return Owner(team.name, (team.email,) if team.email else ())


class Kind:
    SERVICE = "service"
    FORM = "form"


@dataclass(frozen=True)
class QueueRow:
    """One service or form in the review queue."""

    kind: str  # Kind.SERVICE or Kind.FORM
    thing: Service | RequestType
    due: date
    days_left: int  # negative when overdue
    uses: int
    owner: Owner
    last_edited_at: datetime | None
    last_reviewed_at: datetime | None
    last_outcome: str | None

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(-self.days_left, 0)

    @property
    def due_soon(self) -> bool:
        return 0 <= self.days_left <= SOON.days

    @property
    def unused(self) -> bool:
        return self.uses == 0

    @property
    def last_outcome_label(self) -> str:
        return Review.Outcome(self.last_outcome).label if self.last_outcome else ""

    @property
    def key(self) -> str:
        """Stable name of the thing: "service-12", "form-7"."""
        return f"{self.kind}-{self.thing.pk}"


class Show:
    DUE = "due"  # overdue or due within SOON
    UNUSED = "unused"  # every unused one, whenever due
    ALL = "all"
    CHOICES = (
        (DUE, gettext_lazy("Overdue or due within 30 days")),
        (UNUSED, gettext_lazy("Unused in 12 months")),
        (ALL, gettext_lazy("Everything")),
    )


def review_queue(*, today: date | None = None, show: str = Show.DUE) -> list[QueueRow]:
    """Services and forms to review, soonest due first, in two queries however many rows.

    `show`: Show.DUE (overdue or due within 30 days), Show.UNUSED (no use in twelve months, whenever due)
    or Show.ALL; anything else is taken as Show.DUE."""
    today = today or timezone.localdate()
    services = services_to_review(today)
    forms = request_types_to_review(today)
    if show == Show.UNUSED:
        services, forms = services.filter(uses=0), forms.filter(uses=0)
    elif show != Show.ALL:
        services, forms = (
            services.filter(due_by_q("review_date", today)),
            forms.filter(due_by_q("form_review_date", today)),
        )
    rows = [review_row(Kind.SERVICE, s, today) for s in services]
    rows += [review_row(Kind.FORM, f, today) for f in forms]
    rows.sort(key=lambda row: (row.due, row.kind, str(row.thing)))
    return rows


def review_row(kind: str, thing: Service | RequestType, today: date) -> QueueRow:
    """The queue's row for a thing read by `services_to_review` or `request_types_to_review`."""
    due = thing.review_date if kind == Kind.SERVICE else thing.form_review_date
    return QueueRow(
        kind=kind,
        thing=thing,
        due=due,
        days_left=(due - today).days,
        uses=thing.uses,
        owner=owner_of(thing),
        last_edited_at=thing.last_edited_at,
        last_reviewed_at=thing.last_reviewed_at,
        last_outcome=thing.last_outcome,
    )


def to_review(kind: str, pk: int, *, today: date | None = None) -> Service | RequestType | None:
    """The service or form `kind` `pk` as the queue reads it; None when there is none in the catalogue."""
    today = today or timezone.localdate()
    if kind == Kind.SERVICE:
        return services_to_review(today).filter(pk=pk).first()
    if kind == Kind.FORM:
        return request_types_to_review(today).filter(pk=pk).first()
    return None


def record_review(
    thing: Service | RequestType,
    *,
    outcome: str,
    note: str,
    by,
    at: datetime | None = None,
    next_review_on: date | None = None,
) -> Review:
    """Record a review of a service or form and move its review date, in one transaction.

    The next review is `next_review_on`, or a year after the day of the review. RETIRED takes the thing out
    of the catalogue the catalogue's way (a service's status RETIRED, a request type closed for requests);
    its review date then stays as it was and the review names no next one. The review keeps the thing's
    uses in the twelve months before it.

    Raises ValidationError for an unknown outcome, an empty note, or a next review not after the review day.
    """
    at = at or timezone.now()
    day = timezone.localdate(at)
    if outcome not in Review.Outcome.values:
        raise ValidationError(_("Choose what the review decided."))
    if not note.strip():
        raise ValidationError(_("Say in a note what was reviewed and why."))
    if next_review_on is not None and next_review_on <= day:
        raise ValidationError(_("The next review must be after the day of this one."))
    retired = outcome == Review.Outcome.RETIRED
    next_review_on = None if retired else (next_review_on or year_on(day))
    with transaction.atomic():
        # The row locked: two editors recording at once queue one after the other.
        if isinstance(thing, Service):
            thing = Service.objects.select_for_update().get(pk=thing.pk)
            uses = Submission.objects.filter(request_type__service=thing, created_at__gte=_year_start(day)).count()
            if retired:
                thing.status = Service.Status.RETIRED
            else:
                thing.review_date = next_review_on
            thing.save(update_fields=["status", "review_date"])
            of = {"service": thing}
        else:
            thing = RequestType.objects.select_for_update().get(pk=thing.pk)
            uses = Submission.objects.filter(request_type=thing, created_at__gte=_year_start(day)).count()
            if retired:
                thing.is_active = False
            else:
                thing.form_review_date = next_review_on
            thing.save(update_fields=["is_active", "form_review_date"])
            of = {"request_type": thing}
        return Review.objects.create(
            **of,
            outcome=outcome,
            note=note.strip(),
            reviewed_at=at,
            reviewed_by=by,
            uses_in_year=uses,
            next_review_on=next_review_on,
        )


def overdue_count(*, today: date | None = None) -> int:
    """How many services and forms in the catalogue are overdue for review (for the board report)."""
    today = today or timezone.localdate()
    services = Service.objects.offered().filter(overdue_q("review_date", today)).count()
    forms = (
        RequestType.objects.filter(is_active=True)
        .exclude(service__status=Service.Status.RETIRED)
        .filter(overdue_q("form_review_date", today))
        .count()
    )
    return services + forms
