"""Factories that build consistent graphs: a person's cost centre belongs to their division."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils.text import slugify

from catalogue.models import Category, FormField, Part, RequestType, Service
from helpdesk.models import CostCentre, Division, Grade, Location, Team, User
from helpdesk.roles import EDITORS, MANAGERS
from sla.models import Calendar, Measured, OpeningHours, Policy, Target, TargetKind

PASSWORD = "correct horse battery staple"


class GradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grade
        django_get_or_create = ("level",)

    level = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Grade {o.level}")


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division

    name = factory.Sequence(lambda n: f"Division {n}")
    code = factory.Sequence(lambda n: f"division-{n}")


class CostCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostCentre

    code = factory.Sequence(lambda n: f"CC-{n:04d}")
    name = factory.Sequence(lambda n: f"Cost centre {n}")
    division = factory.SubFactory(DivisionFactory)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Office {n}")
    time_zone = "Europe/Stockholm"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    grade = factory.SubFactory(GradeFactory, level=2)
    cost_centre = factory.SubFactory(CostCentreFactory)
    division = factory.SelfAttribute("cost_centre.division")
    location = factory.SubFactory(LocationFactory)
    time_zone = factory.SelfAttribute("location.time_zone")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            self.groups.set([Group.objects.get_or_create(name=name)[0] for name in names])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    remit = "Keeps things running."
    email = factory.LazyAttribute(lambda o: f"{o.slug}@example.org")

    @factory.post_generation
    def members(self, create, people, **kwargs):
        if create and people:
            self.members.set(people)


def manager(**kwargs) -> User:
    return UserFactory(groups=[MANAGERS], **kwargs)


def editor(**kwargs) -> User:
    return UserFactory(groups=[EDITORS], **kwargs)


# -- service levels -------------------------------------------------------------------------------------


class MeasuredTeam(Measured, Team):
    """A stand-in for a ticket in the clocks' own tests: Measured mixes into any model, and clocks point
    back at it through the generic relation."""

    class Meta:
        proxy = True
        app_label = "helpdesk"


OFFICE_WEEK = {day: [("08:00", "12:00"), ("13:00", "17:00")] for day in range(5)}
ALWAYS_WEEK = {day: [("00:00", "24:00")] for day in range(7)}


class CalendarFactory(factory.django.DjangoModelFactory):
    """A calendar with opening hours: `week` as sla.clock takes it (office hours with lunch by default)."""

    class Meta:
        model = Calendar
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "Europe/Stockholm"

    @factory.post_generation
    def week(self, create, week, **kwargs):
        week = OFFICE_WEEK if week is None else week
        OpeningHours.objects.bulk_create(
            OpeningHours(calendar=self, weekday=day, opens=opens, closes=closes)
            for day, intervals in week.items()
            for opens, closes in intervals
        )


class PolicyFactory(factory.django.DjangoModelFactory):
    """A policy with response and resolution targets for P1-P4 (P1 counted on `p1_calendar` if given)."""

    class Meta:
        model = Policy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Policy {n}")
    calendar = factory.SubFactory(CalendarFactory)
    warning_percent = 75

    @factory.post_generation
    def targets(self, create, targets, **kwargs):
        hour = timedelta(hours=1)
        targets = targets or {
            "P1": (hour / 2, 4 * hour),
            "P2": (hour, 8 * hour),
            "P3": (4 * hour, 24 * hour),
            "P4": (8 * hour, 40 * hour),
        }
        Target.objects.bulk_create(
            Target(
                policy=self,
                priority=priority,
                kind=kind,
                duration=duration,
                calendar=kwargs.get("p1_calendar") if priority == "P1" else None,
            )
            for priority, (response, resolution) in targets.items()
            for kind, duration in ((TargetKind.RESPONSE, response), (TargetKind.RESOLUTION, resolution))
        )


# -- catalogue -------------------------------------------------------------------------------------------


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    part = Part.CORE
    slug = "devices"
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    category = factory.SubFactory(CategoryFactory)
    summary = "Something useful, in plain words."
    owner_team = factory.SubFactory(TeamFactory)
    calendar = factory.SubFactory(CalendarFactory)
    review_date = date(2027, 6, 1)


class RequestTypeFactory(factory.django.DjangoModelFactory):
    """A request type with a form; `fields` is a list of (label, type, required[, choices])."""

    class Meta:
        model = RequestType
        skip_postgeneration_save = True

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Request {n}")
    slug = factory.Sequence(lambda n: f"request-{n}")
    one_off_price = Decimal("100.00")
    monthly_price = Decimal("10.00")
    form_review_date = date(2027, 6, 1)

    @factory.post_generation
    def fields(self, create, specs, **kwargs):
        specs = [("Why do you need it?", "long_text", True)] if specs is None else specs
        FormField.objects.bulk_create(
            FormField(
                request_type=self,
                label=spec[0],
                key=slugify(spec[0]).replace("-", "_"),
                field_type=spec[1],
                required=spec[2],
                choices=spec[3] if len(spec) > 3 else "",
                sort_order=i,
            )
            for i, spec in enumerate(specs)
        )


def ticket(
    *, requester, team, state: str = "new", policy=None, service=None, kind="incident", at=None, title=None, **kwargs
):
    """A ticket raised through the service (clocks started) and moved to `state` by the team's analyst."""
    from helpdesk import services

    analyst = team.members.first()
    service = service or ServiceFactory(owner_team=team, policy=policy)
    made = services.raise_ticket(
        kind=kind,
        title=title or "Laptop won't start",
        requester=requester,
        raised_by=requester,
        service=service,
        at=at,
        **kwargs,
    )
    path = {
        "new": [],
        "assigned": [("assign", {"to": analyst})],
        "in_progress": [("start", {})],
        "waiting_requester": [("start", {}), ("wait_on_requester", {"text": "Which model is it?"})],
        "waiting_provider": [("start", {}), ("wait_on_provider", {})],
        "resolved": [("start", {}), ("resolve", {"text": "Replaced the battery."})],
        "closed": [("start", {}), ("resolve", {"text": "Done."}), ("confirm", {"by": requester})],
        "cancelled": [("cancel", {"text": "Not needed after all.", "by": requester})],
    }[state]
    for action, extra in path:
        by = extra.pop("by", analyst)
        if action == "assign":
            services.assign(made, by=by, at=at, **extra)
        else:
            services.perform(made, action, by=by, at=at, **extra)
    return made


# -- service status ------------------------------------------------------------------------------------------


def _now():
    from django.utils import timezone

    return timezone.now()


class MaintenanceFactory(factory.django.DjangoModelFactory):
    """Planned maintenance running now (from an hour ago for two hours) on the `services` given."""

    class Meta:
        model = "helpdesk.Maintenance"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Maintenance {n}")
    starts_at = factory.LazyFunction(lambda: _now() - timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    effect = "degraded"

    @factory.post_generation
    def services(self, create, services, **kwargs):
        if create and services:
            self.services.set(services)


def major_incident(*, requester, team, service=None, priority: str = "P1", state: str = "in_progress", **kwargs):
    """A major incident on `service` at `priority`, raised through the service and moved to `state`."""
    from helpdesk.models import Ticket

    made = ticket(requester=requester, team=team, service=service, state=state, **kwargs)
    Ticket.objects.filter(pk=made.pk).update(major=True, priority=priority)
    made.refresh_from_db()
    return made


# -- webhooks and providers ----------------------------------------------------------------------------------


class ProviderFactory(factory.django.DjangoModelFactory):
    """A third-party supplier; `handoff` "mail" or "webhook" to hand cases to it."""

    class Meta:
        model = "catalogue.Provider"

    name = factory.Sequence(lambda n: f"Supplier {n}")
    kind = "third_party"
    contact_name = "Sam Supplier"
    contact_email = factory.Sequence(lambda n: f"cases{n}@supplier.example.com")
    contract_reference = factory.Sequence(lambda n: f"CT-{n:03d}")


class WebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "helpdesk.Webhook"

    url = "http://127.0.0.1:9/hook"
    secret = factory.Sequence(lambda n: f"a-long-enough-secret-{n:04d}")
    events = factory.LazyFunction(list)
    created_at = factory.LazyFunction(_now)


# -- unmet demand ------------------------------------------------------------------------------------------


class DemandSignalFactory(factory.django.DjangoModelFactory):
    """A catalogue search that found nothing; pass `kind="not_entitled"` with a `request_type` for a
    refusal (its service follows)."""

    class Meta:
        model = "catalogue.DemandSignal"

    kind = "search_miss"
    words = factory.Maybe("request_type", "", factory.Sequence(lambda n: f"words {n}"))
    request_type = None
    service = factory.LazyAttribute(lambda o: o.request_type.service if o.request_type else None)
    division = factory.SubFactory(DivisionFactory)
    at = factory.LazyFunction(_now)
