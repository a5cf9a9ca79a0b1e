"""Read paths for the catalogue: each list screen's queryset, and offers built with a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalogue.entitlement import Discount, Offer, Person, Rule, offer_for
from catalogue.models import DiscountScheme, EntitlementRule, RequestType, Service, Submission
from sla.models import Policy, Target
from sla.tiers import tier_for

_UNREAD = object()


def services_for_catalogue() -> QuerySet[Service]:
    """Offered services with what a catalogue row shows, in one query."""
    return Service.objects.offered().select_related("category", "owner_team", "provider", "calendar")


def request_types_for(services: Iterable[Service] | QuerySet[Service]) -> QuerySet[RequestType]:
    """Active request types of these services with their rules' names, in two queries."""
    rules = EntitlementRule.objects.select_related("min_grade", "division", "cost_centre", "location", "group")
    return (
        RequestType.objects.filter(service__in=services, is_active=True)
        .select_related("service__owner_team")
        .prefetch_related(Prefetch("rules", queryset=rules))
        .order_by("service__name", "sort_order", "name")
    )


def with_usage(request_types: QuerySet[RequestType]) -> QuerySet[RequestType]:
    """The request types annotated with their use: `times_used` (submissions made, 0 for none) and
    `last_used_at` (the latest submission's time, None for none), read from the submissions' usage
    index, one subquery each per row (per row listed, unless the list is sorted by them). Usage is never
    stored on the request type: counting it on each request serialised requests for the same type."""
    theirs = Submission.objects.filter(request_type=OuterRef("pk")).order_by().values("request_type")
    return request_types.annotate(
        times_used=Coalesce(Subquery(theirs.annotate(n=Count("pk")).values("n")), 0),
        last_used_at=Subquery(theirs.annotate(last=Max("created_at")).values("last")),
    )


def request_types_to_ask(user) -> QuerySet[RequestType]:
    """Offered, active request types with what asking for one of them reads, in two queries: the type
    with its service, owner team and policy tiers (and `asker_grade_level`, the grade level of `user`,
    None without a grade; `has_rules`, whether any entitlement rule limits it), its form fields. For
    `offer_to`, which reads the rules only when there are some (most request types are for everyone)."""
    grade_level = get_user_model().objects.filter(pk=user.pk).values("grade__level")[:1]
    return (
        # Service.objects.offered(), on the join: a subquery costs PostgreSQL more planning than the read.
        RequestType.objects.filter(is_active=True)
        .exclude(service__status=Service.Status.RETIRED)
        .select_related("service__owner_team", "service__policy__calendar", "service__policy__premium_policy__calendar")
        .prefetch_related("fields")
        .annotate(
            asker_grade_level=Subquery(grade_level),
            has_rules=Exists(EntitlementRule.objects.filter(request_type=OuterRef("pk"))),
        )
    )


def _rules_of(request_type: RequestType) -> list[EntitlementRule]:
    """The request type's entitlement rules with what they name, in one query; none, without a query,
    when `request_types_to_ask` found it has none."""
    if not getattr(request_type, "has_rules", True):
        return []
    rules = EntitlementRule.objects.select_related("min_grade", "division", "cost_centre", "location", "group")
    prefetch_related_objects([request_type], Prefetch("rules", queryset=rules))
    return list(request_type.rules.all())


def person_facts(user, *, grade_level=_UNREAD, with_groups: bool = True) -> Person:
    """What entitlement reads about a person (anonymous people match no condition).

    `grade_level`: when already read (None: no grade). `with_groups=False` leaves the groups out, for
    rules that name no group (saving their query)."""
    if not user.is_authenticated:
        return Person()
    if grade_level is _UNREAD:
        grade_level = user.grade.level if user.grade_id else None
    return Person(
        grade_level=grade_level,
        division_id=user.division_id,
        cost_centre_id=user.cost_centre_id,
        location_id=user.location_id,
        group_ids=frozenset(user.groups.values_list("pk", flat=True)) if with_groups else frozenset(),
    )


def discounts_for(person: Person, service_id: int, today: date) -> list[Discount]:
    """The schemes in force `today` that lower `person`'s price for the service, in one query (joins:
    cheaper to build and plan than a subquery per set). Each comes cut down to this person and service,
    so `Discount.applies` answers for it as it would for the whole scheme."""
    theirs = Q()
    if person.division_id is not None:
        theirs |= Q(divisions=person.division_id)
    if person.cost_centre_id is not None:
        theirs |= Q(cost_centres=person.cost_centre_id)
    if not theirs:
        return []  # schemes are for divisions and cost centres: someone in neither has none
    schemes = (
        DiscountScheme.objects.filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .filter(theirs)
        .filter(Q(services=None) | Q(services=service_id))  # no services named: every service
        .values_list("pk", "name", "kind", "amount", "valid_from", "valid_to")
        .distinct()
    )
    return [
        Discount(
            name=name,
            kind=kind,
            amount=amount,
            valid_from=valid_from,
            valid_to=valid_to,
            division_ids=frozenset([person.division_id]),
            cost_centre_ids=frozenset([person.cost_centre_id]),
            service_ids=frozenset([service_id]),
        )
        for _pk, name, kind, amount, valid_from, valid_to in schemes
    ]


def offer_to(user, request_type: RequestType, *, today: date | None = None) -> Offer:
    """`user`'s offer for one request type read by `request_types_to_ask`: the same as OfferBook's, with
    only the facts this one offer needs. One query for its rules when it has some, one for the discounts
    that could apply, one for the person's groups when a rule names a group, one for the default policy
    when the service has none, and one for the targets of the policy quoted (already on `offer.policy`
    for the ticket's clocks)."""
    service = request_type.service
    rules = [_rule(r) for r in _rules_of(request_type)]
    with_groups = any(rule.group_id is not None for rule in rules)
    person = person_facts(user, grade_level=request_type.asker_grade_level, with_groups=with_groups)
    today = today or timezone.localdate()
    if service.policy_id:
        policy = service.policy
    else:  # Policy.default(), with its premium tier in the same query
        policy = Policy.objects.filter(is_default=True).select_related("calendar", "premium_policy__calendar").first()
    premium = policy.premium_policy if policy is not None and policy.premium_policy_id else None
    offer = _offer(
        request_type,
        rules=rules,
        person=person,
        discounts=discounts_for(person, service.pk, today),
        today=today,
        tiers=(policy, premium, policy.premium_from_grade_level if policy is not None else None),
    )
    if offer.policy is not None:
        prefetch_related_objects(
            [offer.policy], Prefetch("targets", queryset=Target.objects.select_related("calendar"))
        )
    return offer


def _offer(
    request_type: RequestType,
    *,
    rules: list[Rule],
    person: Person,
    discounts: list[Discount],
    today: date,
    tiers: tuple[Policy | None, Policy | None, int | None],
) -> Offer:
    service = request_type.service
    policy, premium, premium_from_level = tiers
    return offer_for(
        service_id=service.pk,
        one_off=request_type.one_off_price,
        monthly=request_type.monthly_price,
        rules=rules,
        person=person,
        discounts=discounts,
        today=today,
        ask=request_type.not_entitled_contact or f"{service.owner_team.name} ({service.owner_team.email})",
        policy=policy,
        premium_policy=premium,
        premium_from_level=premium_from_level,
    )


def active_discounts(today: date) -> list[Discount]:
    schemes = (
        DiscountScheme.objects.filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .prefetch_related("divisions", "cost_centres", "services")
    )
    return [
        Discount(
            name=s.name,
            kind=s.kind,
            amount=s.amount,
            valid_from=s.valid_from,
            valid_to=s.valid_to,
            division_ids=frozenset(d.pk for d in s.divisions.all()),
            cost_centre_ids=frozenset(c.pk for c in s.cost_centres.all()),
            service_ids=frozenset(x.pk for x in s.services.all()),
        )
        for s in schemes
    ]


def _rule(rule: EntitlementRule) -> Rule:
    return Rule(
        min_grade_level=rule.min_grade.level if rule.min_grade_id else None,
        min_grade_name=rule.min_grade.name if rule.min_grade_id else "",
        division_id=rule.division_id,
        division_name=rule.division.name if rule.division_id else "",
        cost_centre_id=rule.cost_centre_id,
        cost_centre_name=str(rule.cost_centre) if rule.cost_centre_id else "",
        location_id=rule.location_id,
        location_name=rule.location.name if rule.location_id else "",
        group_id=rule.group_id,
        group_name=rule.group.name if rule.group_id else "",
    )


class OfferBook:
    """Offers for one person over many request types, with the shared facts loaded once."""

    def __init__(self, user, *, today: date | None = None) -> None:
        self.person = person_facts(user)
        self.today = today or timezone.localdate()
        self.discounts = active_discounts(self.today)
        # Policies are few: all of them, with their targets, in two queries.
        self.policies = {p.pk: p for p in Policy.objects.select_related("calendar").prefetch_related("targets")}
        self.default_policy = next((p for p in self.policies.values() if p.is_default), None)

    def _tiers(self, service: Service) -> tuple[Policy | None, Policy | None, int | None]:
        """(base policy, its premium tier, the grade level the tier starts at) for the service."""
        policy = self.policies.get(service.policy_id) or self.default_policy
        if policy is None:
            return None, None, None
        return policy, self.policies.get(policy.premium_policy_id), policy.premium_from_grade_level

    def policy_for(self, service: Service) -> Policy | None:
        """The policy the service is measured by for this person (their premium tier when entitled);
        the same as the `policy` of this book's offers for the service's request types."""
        policy, premium, premium_from_level = self._tiers(service)
        return tier_for(
            policy, premium=premium, premium_from_level=premium_from_level, grade_level=self.person.grade_level
        ).policy

    def offer(self, request_type: RequestType) -> Offer:
        return _offer(
            request_type,
            rules=[_rule(r) for r in request_type.rules.all()],
            person=self.person,
            discounts=self.discounts,
            today=self.today,
            tiers=self._tiers(request_type.service),
        )
