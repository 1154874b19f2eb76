"""Inline SVG charts for the HTML report: no JavaScript, no external files."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#2b6cb0", "#38a169", "#d69e2e", "#c53030", "#805ad5", "#319795")


def grouped_bars(
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    height: int = 240,
) -> str:
    """Bars of 0..1 values: one group per label (e.g. question type), one bar per series (metric)."""
    if not groups or not series:
        return ""
    left, bottom, top = 36, 48, 28
    bar_w, gap = 12, 14
    group_w = bar_w * len(series) + gap
    width = left + group_w * len(groups) + 16
    plot_h = height - bottom - top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20 * math.ceil(len(series) / 3)}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{tick:.1f}</text>'
        )
    for g, group in enumerate(groups):
        x0 = left + g * group_w + gap / 2
        for s, (name, values) in enumerate(series):
            value = values[g] if g < len(values) else None
            x = x0 + s * bar_w
            if value is None:
                continue
            h = plot_h * max(0.0, min(1.0, value))
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2}" height="{h:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(group)} · {escape(name)}: {value:.3f}</title></rect>'
            )
        cx = x0 + bar_w * len(series) / 2
        parts.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle">{escape(group)}</text>'
        )
    for s, (name, _) in enumerate(series):
        lx = left + (s % 3) * 150
        ly = height - 14 + 20 * (s // 3)
        parts.append(
            f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{PALETTE[s % len(PALETTE)]}"/>'
        )
        parts.append(f'<text x="{lx + 14}" y="{ly}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    values: Sequence[float], title: str, unit: str = "ms", bins: int = 12, height: int = 200
) -> str:
    """A histogram of non-negative values (latencies) with equal-width bins."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / span * bins))] += 1
    left, bottom, top, bar_w = 36, 36, 28, 28
    width = left + bar_w * bins + 16
    plot_h = height - bottom - top
    peak = max(counts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<text x="{left - 4}" y="{top + 4}" font-size="10" text-anchor="end">{peak}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    for i, count in enumerate(counts):
        h = plot_h * count / peak if peak else 0
        lo = low + span * i / bins
        hi = low + span * (i + 1) / bins
        parts.append(
            f'<rect x="{left + i * bar_w + 1}" y="{top + plot_h - h:.1f}" width="{bar_w - 2}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}"><title>{lo:.0f}–{hi:.0f} {escape(unit)}: {count}</title></rect>'
        )
    parts.append(f'<text x="{left}" y="{height - 8}" font-size="10">{low:.0f} {escape(unit)}</text>')
    parts.append(
        f'<text x="{width - 8}" y="{height - 8}" font-size="10" text-anchor="end">{high:.0f} {escape(unit)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
