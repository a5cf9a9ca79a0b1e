"""Drawing the board's weekly chart as plain SVG: no script, no library, readable without colour."""

from dataclasses import dataclass

from django import template

register = template.Library()

BASE, HEIGHT, GROUP, WIDTH = 150, 130, 50, 12
SERIES = ("raised", "resolved", "breached")


@dataclass
class Bar:
    series: str
    x: int
    y: int
    height: int
    value: int


@register.filter
def bars(weeks: list[dict]) -> list[Bar]:
    top = max([week[s] for week in weeks for s in SERIES] + [1])
    result = []
    for index, week in enumerate(weeks):
        for offset, series in enumerate(SERIES):
            height = round(HEIGHT * week[series] / top)
            result.append(Bar(series, index * GROUP + 4 + offset * (WIDTH + 2), BASE - height, height, week[series]))
    return result


@register.filter
def week_labels(weeks: list[dict]) -> list[tuple[int, str]]:
    return [(index * GROUP + 4, f"{week['start']:%d %b}") for index, week in enumerate(weeks)]
