"""Read paths for the catalogue: each list screen's queryset, and offers built with a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from catalogue.entitlement import Discount, Offer, Person, Rule, offer_for
from catalogue.models import DiscountScheme, EntitlementRule, RequestType, Service
from sla.models import Policy
from sla.tiers import tier_for


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


def person_facts(user) -> Person:
    """What entitlement reads about a person (anonymous people match no condition)."""
    if not user.is_authenticated:
        return Person()
    return Person(
        grade_level=user.grade.level if user.grade_id else None,
        division_id=user.division_id,
        cost_centre_id=user.cost_centre_id,
        location_id=user.location_id,
        group_ids=frozenset(user.groups.values_list("pk", flat=True)),
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
        service = request_type.service
        policy, premium, premium_from_level = self._tiers(service)
        return offer_for(
            service_id=service.pk,
            one_off=request_type.one_off_price,
            monthly=request_type.monthly_price,
            rules=[_rule(r) for r in request_type.rules.all()],
            person=self.person,
            discounts=self.discounts,
            today=self.today,
            ask=request_type.not_entitled_contact or f"{service.owner_team.name} ({service.owner_team.email})",
            policy=policy,
            premium_policy=premium,
            premium_from_level=premium_from_level,
        )
