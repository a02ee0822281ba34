"""Charts for documents drawn with Pillow: stacked bars."""

from __future__ import annotations

import math
from collections.abc import Sequence

from citysafe.core.render.canvas import GRID, INK, SCALE, Canvas, Fonts, hex_rgb


def stacked_bars(categories: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], *, title: str,
                 size: tuple[int, int] = (1400, 720), fonts: Fonts | None = None) -> bytes:
    """Vertical stacked bars: one bar per category, one segment per series (label, colour, values)."""
    canvas = Canvas(size, fonts)
    draw, width, height = canvas.draw, canvas.width, canvas.height
    canvas.text((width / 2, 20 * SCALE), title, 22, anchor="ma")
    totals = [sum(s[2][i] for s in series) for i in range(len(categories))]
    top_value = max(totals, default=0) or 1
    step = next(n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if top_value / n <= 8)
    axis_top = math.ceil(top_value / step) * step
    left, right, top, bottom = 90 * SCALE, width - 40 * SCALE, 90 * SCALE, height - 90 * SCALE
    for tick in range(0, axis_top + 1, step):
        y = bottom - (bottom - top) * tick / axis_top
        draw.line([(left, y), (right, y)], fill=GRID, width=SCALE)
        canvas.text((left - 10 * SCALE, y), str(tick), 12, anchor="rm")
    slot = (right - left) / max(len(categories), 1)
    bar = slot * 0.62
    for i, name in enumerate(categories):
        x = left + slot * i + (slot - bar) / 2
        y = float(bottom)
        for _, colour, values in series:
            h = (bottom - top) * values[i] / axis_top
            if h > 0:
                draw.rectangle([x, y - h, x + bar, y], fill=hex_rgb(colour))
            y -= h
        canvas.text((x + bar / 2, y - 6 * SCALE), str(totals[i]), 12, anchor="md")
        canvas.text((x + bar / 2, bottom + 10 * SCALE), name, 13, anchor="ma")
    draw.line([(left, bottom), (right, bottom)], fill=INK, width=SCALE)
    x = left
    for label, colour, _ in series:
        draw.rectangle([x, height - 40 * SCALE, x + 26 * SCALE, height - 22 * SCALE], fill=hex_rgb(colour))
        canvas.text((x + 34 * SCALE, height - 31 * SCALE), label, 13, anchor="lm")
        x += canvas.text_length(label, 13) + 70 * SCALE
    return canvas.png()
