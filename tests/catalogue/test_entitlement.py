"""catalogue.entitlement: who may ask, at what price, under which policy (pure, no database)."""

from datetime import date
from decimal import Decimal

from catalogue.entitlement import Discount, Person, Rule, entitlement, offer_for

TODAY = date(2026, 11, 24)
OFFICER = Person(grade_level=2, division_id=1, cost_centre_id=10, location_id=100, group_ids=frozenset({7}))
SENIOR_ONLY = Rule(min_grade_level=3, min_grade_name="Senior officer")
DESIGNERS = Rule(group_id=8, group_name="Designers")
RESEARCH = Discount(
    "Research funding", "percent", Decimal("20"), date(2026, 1, 1), date(2027, 12, 31), division_ids=frozenset({2})
)
SALES_REFRESH = Discount(
    "Sales refresh",
    "fixed",
    Decimal("100"),
    date(2026, 1, 1),
    None,
    cost_centre_ids=frozenset({10}),
    service_ids=frozenset({5}),
)


def offer(person=OFFICER, rules=(), discounts=(), one_off="1200", monthly="35", service_id=5, **kw):
    return offer_for(
        service_id=service_id,
        one_off=Decimal(one_off),
        monthly=Decimal(monthly),
        rules=list(rules),
        person=person,
        discounts=list(discounts),
        today=TODAY,
        ask="your line manager",
        **kw,
    )


def test_no_rules_means_everyone():
    assert entitlement([], Person()) == (True, "")


def test_any_one_rule_admits_and_every_condition_in_it_must_hold():
    assert entitlement([SENIOR_ONLY, Rule(group_id=7, group_name="Sales team")], OFFICER)[0] is True
    both = Rule(min_grade_level=2, min_grade_name="Officer", division_id=2, division_name="Research")
    assert entitlement([both], OFFICER)[0] is False


def test_a_refusal_says_why_and_whom_to_ask():
    result = offer(rules=[SENIOR_ONLY, DESIGNERS])
    assert result.entitled is False
    assert result.reason == "This is only for grade Senior officer or above; or members of Designers."
    assert result.ask == "your line manager"


def test_conditions_by_division_cost_centre_and_location():
    rule = Rule(
        division_id=1,
        division_name="Sales",
        cost_centre_id=10,
        cost_centre_name="CC-4100",
        location_id=101,
        location_name="Chicago",
    )
    entitled, reason = entitlement([rule], OFFICER)
    assert not entitled
    assert reason == "This is only for the Sales division in cost centre CC-4100 in people based in Chicago."
    assert entitlement([Rule(location_id=100, location_name="London")], OFFICER) == (True, "")


def test_the_best_discount_is_named_and_only_when_it_applies():
    assert offer(discounts=[RESEARCH]).discount == ""  # another division's scheme
    refreshed = offer(discounts=[RESEARCH, SALES_REFRESH])
    assert (refreshed.one_off, refreshed.monthly, refreshed.discount) == (
        Decimal("1100.00"),
        Decimal("35"),
        "Sales refresh",
    )
    assert (refreshed.list_one_off, refreshed.list_monthly) == (Decimal("1200"), Decimal("35"))
    assert offer(discounts=[SALES_REFRESH], service_id=6).discount == ""  # not for that service


def test_percent_comes_off_both_prices_and_fixed_off_the_monthly_when_no_one_off():
    researcher = Person(grade_level=2, division_id=2)
    result = offer(person=researcher, discounts=[RESEARCH])
    assert (result.one_off, result.monthly) == (Decimal("960.00"), Decimal("28.00"))
    monthly_only = offer(one_off="0", monthly="55", discounts=[SALES_REFRESH])
    assert (monthly_only.one_off, monthly_only.monthly) == (Decimal("0"), Decimal("0.00"))


def test_expired_and_future_schemes_do_not_apply():
    expired = Discount(
        "Old", "percent", Decimal("50"), date(2020, 1, 1), date(2020, 12, 31), division_ids=frozenset({1})
    )
    future = Discount("Later", "percent", Decimal("50"), date(2027, 1, 1), None, division_ids=frozenset({1}))
    assert offer(discounts=[expired, future]).discount == ""


def test_premium_policy_from_a_grade_level():
    assert offer(policy="standard", premium_policy="premium", premium_from_level=5).policy == "standard"
    director = Person(grade_level=5)
    assert offer(person=director, policy="standard", premium_policy="premium", premium_from_level=5).policy == (
        "premium"
    )


def test_no_grade_reaches_no_minimum_grade_not_even_the_lowest():
    lowest = Rule(min_grade_level=0, min_grade_name="Trainee")
    assert entitlement([lowest], Person()) == (False, "This is only for grade Trainee or above.")
    assert entitlement([lowest], Person(grade_level=0)) == (True, "")


def test_no_grade_is_never_the_premium_tier_even_when_it_starts_at_level_0():
    tiers = {"policy": "standard", "premium_policy": "premium", "premium_from_level": 0}
    nobody = offer(person=Person(), **tiers)
    assert (nobody.policy, nobody.premium) == ("standard", False)
    lowest = offer(person=Person(grade_level=0), **tiers)
    assert (lowest.policy, lowest.premium) == ("premium", True)


def test_without_a_premium_policy_or_its_level_everyone_gets_the_base_policy():
    director = Person(grade_level=9)
    for tiers in ({"premium_policy": "premium"}, {"premium_from_level": 0}):
        result = offer(person=director, policy="standard", **tiers)
        assert (result.policy, result.premium) == ("standard", False)
