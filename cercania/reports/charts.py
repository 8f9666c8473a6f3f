"""Horizontal bar charts as plain numbers for templates/reports/_bars.svg.html.

Geometry is computed here so the template is a loop over rectangles: no JavaScript,
no inline style (CSP), the figures repeated in the table beside every chart.
"""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 240
PLOT_WIDTH = 360


@dataclass
class Bar:
    label: str
    value: int
    y: int
    width: int
    text_y: int
    value_x: int


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    height: int
    width: int = LABEL_WIDTH + PLOT_WIDTH + 60
    label_width: int = LABEL_WIDTH

    @property
    def summary(self) -> str:
        return "; ".join(f"{bar.label}: {bar.value}" for bar in self.bars)


def bar_chart(title: str, rows: list[tuple[str, int | None]]) -> Chart:
    shown = [(label, value) for label, value in rows if value is not None]
    top = max((value for _label, value in shown), default=0) or 1
    bars = []
    for n, (label, value) in enumerate(shown):
        y = n * (BAR_HEIGHT + GAP)
        width = round(PLOT_WIDTH * value / top)
        bars.append(
            Bar(
                label=label,
                value=value,
                y=y,
                width=width,
                text_y=y + BAR_HEIGHT - 6,
                value_x=LABEL_WIDTH + width + 6,
            )
        )
    return Chart(title=title, bars=bars, height=max(len(bars), 1) * (BAR_HEIGHT + GAP))
