"""Which tier of service a requester is measured by. Pure Python: no Django, no other app.

The catalogue quotes a policy, the ticket is measured by a policy, and an entitlement rule asks for
"grade X or above". All of them decide through `reaches`, and the tier through `tier_for`, so what a
person is quoted is what their ticket runs under.
"""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

__all__ = ["Tier", "reaches", "tier_for"]

P = TypeVar("P")


def reaches(grade_level: int | None, minimum: int) -> bool:
    """True when a person whose grade is at `grade_level` is at `minimum` or above.

    A person with no grade (None) reaches no level, not even 0: what a grade grants, no grade proves.
    """
    return grade_level is not None and grade_level >= minimum


class Tier(NamedTuple, Generic[P]):
    """The policy a requester is measured by (None: nothing is measured) and whether it is the premium
    tier (a premium requester's ticket is raised one priority step)."""

    policy: P | None
    premium: bool = False


def tier_for(base: P | None, *, premium: P | None, premium_from_level: int | None, grade_level: int | None) -> Tier[P]:
    """The premium tier when `base` has a premium policy and a level it starts at and the requester's
    grade reaches that level; otherwise `base` (which may be None)."""
    if premium is not None and premium_from_level is not None and reaches(grade_level, premium_from_level):
        return Tier(premium, True)
    return Tier(base, False)
