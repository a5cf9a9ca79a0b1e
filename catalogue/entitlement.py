"""May this person ask for this, at what price, under which policy: one pure function over preloaded facts.

The catalogue page and the submit view both call `offer_for`, so what a person is shown is exactly
what the server enforces. No database access here: selectors build the inputs. Refusals are worded in the
reader's language (gettext), as every sentence a person reads is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sla.tiers import reaches, tier_for

CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True)
class Person:
    grade_level: int | None = None  # None: no grade, which reaches no minimum grade and no premium tier
    division_id: int | None = None
    cost_centre_id: int | None = None
    location_id: int | None = None
    group_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Rule:
    """Every condition that is set must hold; names are for explaining a refusal."""

    min_grade_level: int | None = None
    min_grade_name: str = ""
    division_id: int | None = None
    division_name: str = ""
    cost_centre_id: int | None = None
    cost_centre_name: str = ""
    location_id: int | None = None
    location_name: str = ""
    group_id: int | None = None
    group_name: str = ""

    def failures(self, person: Person) -> list[str]:
        """The conditions this person does not meet, in plain words (empty: the rule admits them)."""
        missing = []
        if self.min_grade_level is not None and not reaches(person.grade_level, self.min_grade_level):
            missing.append(_("grade %(grade)s or above") % {"grade": self.min_grade_name})
        if self.division_id is not None and person.division_id != self.division_id:
            missing.append(_("the %(division)s division") % {"division": self.division_name})
        if self.cost_centre_id is not None and person.cost_centre_id != self.cost_centre_id:
            missing.append(_("cost centre %(name)s") % {"name": self.cost_centre_name})
        if self.location_id is not None and person.location_id != self.location_id:
            missing.append(_("people based in %(place)s") % {"place": self.location_name})
        if self.group_id is not None and self.group_id not in person.group_ids:
            missing.append(_("members of %(group)s") % {"group": self.group_name})
        return missing

    def describe(self) -> str:
        """Whom the rule admits: its conditions as they read for someone who meets none of them (a
        person with no grade, division, cost centre, location or group)."""
        return pgettext("joins the conditions of one rule", " in ").join(self.failures(Person())) or _("everyone")


@dataclass(frozen=True)
class Discount:
    name: str
    kind: str  # "percent" or "fixed"
    amount: Decimal
    valid_from: date
    valid_to: date | None = None
    division_ids: frozenset[int] = frozenset()
    cost_centre_ids: frozenset[int] = frozenset()
    service_ids: frozenset[int] = frozenset()  # empty: every service

    def applies(self, person: Person, service_id: int, today: date) -> bool:
        if today < self.valid_from or (self.valid_to is not None and today > self.valid_to):
            return False
        if self.service_ids and service_id not in self.service_ids:
            return False
        return person.division_id in self.division_ids or person.cost_centre_id in self.cost_centre_ids

    def apply(self, one_off: Decimal, monthly: Decimal) -> tuple[Decimal, Decimal]:
        """A percentage comes off both prices; a fixed amount comes off the one-off price, or off the
        monthly price when there is no one-off price. Never below zero."""
        if self.kind == "percent":
            return _percent_off(one_off, self.amount), _percent_off(monthly, self.amount)
        if one_off > ZERO:
            return _money(max(one_off - self.amount, ZERO)), monthly
        return one_off, _money(max(monthly - self.amount, ZERO))


def _percent_off(price: Decimal, percent: Decimal) -> Decimal:
    return _money(price * (Decimal(100) - percent) / Decimal(100))


def _money(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Offer:
    entitled: bool
    one_off: Decimal
    monthly: Decimal
    list_one_off: Decimal
    list_monthly: Decimal
    discount: str = ""
    reason: str = ""  # why not, when not entitled
    ask: str = ""  # whom to ask, when not entitled
    policy: Any = field(default=None, compare=False)
    premium: bool = False  # `policy` is the premium tier: the ticket is raised a priority step

    @property
    def is_free(self) -> bool:
        return self.one_off == ZERO and self.monthly == ZERO

    @property
    def discounted(self) -> bool:
        return bool(self.discount)


def entitlement(rules: Sequence[Rule], person: Person) -> tuple[bool, str]:
    """(entitled, reason). No rules: everyone. Otherwise any one rule that admits the person suffices."""
    if not rules:
        return True, ""
    if any(not rule.failures(person) for rule in rules):
        return True, ""
    return False, _("This is only for %(whom)s.") % {"whom": _("; or ").join(rule.describe() for rule in rules)}


def best_price(
    one_off: Decimal, monthly: Decimal, *, person: Person, service_id: int, discounts: Sequence[Discount], today: date
) -> tuple[Decimal, Decimal, str]:
    """The lowest first-year cost among the discounts that apply: (one-off, monthly, discount name)."""
    best = (one_off, monthly, "")
    for discount in discounts:
        if not discount.applies(person, service_id, today):
            continue
        candidate = (*discount.apply(one_off, monthly), discount.name)
        if candidate[0] + 12 * candidate[1] < best[0] + 12 * best[1]:
            best = candidate
    return best


def offer_for(
    *,
    service_id: int,
    one_off: Decimal,
    monthly: Decimal,
    rules: Sequence[Rule],
    person: Person,
    discounts: Sequence[Discount],
    today: date,
    ask: str,
    policy: Any = None,
    premium_policy: Any = None,
    premium_from_level: int | None = None,
) -> Offer:
    entitled, reason = entitlement(rules, person)
    tier = tier_for(
        policy, premium=premium_policy, premium_from_level=premium_from_level, grade_level=person.grade_level
    )
    price_one_off, price_monthly, discount = best_price(
        one_off, monthly, person=person, service_id=service_id, discounts=discounts, today=today
    )
    return Offer(
        entitled=entitled,
        one_off=price_one_off,
        monthly=price_monthly,
        list_one_off=one_off,
        list_monthly=monthly,
        discount=discount,
        reason=reason,
        ask="" if entitled else ask,
        policy=tier.policy,
        premium=tier.premium,
    )
