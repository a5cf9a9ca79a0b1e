"""Charts drawn as plain SVG on the server: no script, no library. Each chart is a picture of a table the
page shows beside it, so nothing is told by colour or shape alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

BASE, HEIGHT, WIDTH = 150, 130, 600  # the baseline, the tallest bar and the width, in viewBox units
LABELS_AT = 168


@dataclass(frozen=True)
class Bar:
    series: str  # the key, for the colour class
    name: str  # what the series is called, in words
    x: float
    y: float
    width: float
    height: float
    value: int
    group: str


@dataclass(frozen=True)
class Columns:
    bars: list[Bar]
    labels: list[tuple[float, str]]
    width: int = WIDTH
    height: int = LABELS_AT + 7


def columns(
    groups: Sequence[dict], series: Sequence[tuple[str, str]], label: Callable[[dict], str], *, most_labels: int = 12
) -> Columns:
    """Bars side by side per group (a week, a day), one per series, scaled to the largest value; at most
    `most_labels` group labels are written under the axis, evenly spread, so they never overlap."""
    if not groups:
        return Columns([], [])
    top = max([group[key] for group in groups for key, _name in series] + [1])
    slot = WIDTH / len(groups)
    gap = min(4.0, slot / 6)
    bar = (slot - gap * 2) / len(series)
    bars = []
    for index, group in enumerate(groups):
        for offset, (key, name) in enumerate(series):
            height = round(HEIGHT * group[key] / top, 1)
            x = round(index * slot + gap + offset * bar, 1)
            bars.append(Bar(key, str(name), x, BASE - height, round(bar * 0.9, 1), height, group[key], label(group)))
    every = max(1, -(-len(groups) // most_labels))
    labels = [(round(index * slot + gap, 1), label(group)) for index, group in enumerate(groups) if index % every == 0]
    return Columns(bars, labels)


@dataclass(frozen=True)
class PercentBar:
    label: str
    percent: int
    y: int
    width: float


@dataclass(frozen=True)
class Percents:
    bars: list[PercentBar]
    height: int


def percents(rows: Sequence[tuple[str, int | None]], *, most: int = 15) -> Percents:
    """Horizontal bars of percentages (0-100) for the first `most` rows that have one, 20 units apart."""
    shown = [(label, percent) for label, percent in rows if percent is not None][:most]
    bars = [
        PercentBar(label, percent, 20 * i, round(380 * percent / 100, 1)) for i, (label, percent) in enumerate(shown)
    ]
    return Percents(bars, 20 * len(bars) + 4)
