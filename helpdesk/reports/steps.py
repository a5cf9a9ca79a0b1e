"""Business times kept as counts per step, so that they add across days and slices (pure Python).

A median or a 90th percentile cannot be added up from daily medians, but counts per step can: each time
falls in one step, steps grow by 5 % from one minute, and a percentile is read as the end of the step
the chosen rank falls in ("within 3 h 41 min"). So a reported percentile is never below the true one
and at most 5 % above it (or one minute, for times under a minute).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

FIRST = 60  # seconds: step 0 holds everything up to a minute
GROWTH = 1.05


def step_of(seconds: float) -> int:
    """The step a business time (in seconds, not negative) falls in."""
    if seconds <= FIRST:
        return 0
    step = math.ceil(math.log(seconds / FIRST, GROWTH))
    # Floating point can land a time exactly on an edge one step too high or low: settle on the edge rule.
    while step > 0 and seconds <= step_end(step - 1):
        step -= 1
    while seconds > step_end(step):
        step += 1
    return step


def step_end(step: int) -> int:
    """The longest time (whole seconds) in `step`."""
    return math.floor(FIRST * GROWTH**step)


def add(into: dict[str, int], counts: Mapping[str, int]) -> dict[str, int]:
    """Add step counts (keys are step numbers as text, as JSON keeps them) into `into`; returns it."""
    for step, n in counts.items():
        into[step] = into.get(step, 0) + n
    return into


def count(seconds: Iterable[float]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in seconds:
        key = str(step_of(value))
        counts[key] = counts.get(key, 0) + 1
    return counts


def percentile(counts: Mapping[str, int], fraction: float) -> int | None:
    """The time (seconds) within which `fraction` (0.5 for the median) of the counted times fell, read by
    nearest rank as the end of its step; None when nothing was counted."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for step in sorted(counts, key=int):
        seen += counts[step]
        if seen >= rank:
            return step_end(int(step))
    raise AssertionError("unreachable: the ranks add up to the total")
