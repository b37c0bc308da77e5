"""Charts as server-rendered SVG: no script, no CDN, readable by screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Bar:
    label: str  # shown under the bar and in its tooltip, e.g. "12-06"
    value: int
    title: str  # the tooltip / accessible text, e.g. "6 Dec: 14 redemptions"


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 720, height: int = 180) -> Markup:
    """A bar per value, scaled to the largest (an all-zero series draws no bars)."""
    top = max((b.value for b in bars), default=0)
    plot_height = height - 30
    slot = width / max(len(bars), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        bar_height = 0.0 if top == 0 else plot_height * bar.value / top
        x = i * slot + slot * 0.15
        y = plot_height - bar_height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_height:.1f}">'
            f"<title>{escape(bar.title)}</title></rect>"
        )
        if len(bars) <= 12 or i % 5 == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - 10}" text-anchor="middle">'
                f"{escape(bar.label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
