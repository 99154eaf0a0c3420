"""A small trend chart: one rate per quarter as a line with points, 0-100%.

Drawn as static SVG text (offline, no script). A withheld or undefined quarter breaks the
line and is marked with a hollow point, so a gap never reads as a fall to zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

INK = "#21618c"
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def trend_chart(points: Sequence[tuple[str, float | None, int | str]], title: str) -> str:
    """`points` are (quarter, rate or None, instances due as shown)."""
    w, h, left, top, step = 300, 110, 34, 22, 70
    body: list[str] = [f"<text x='4' y='14' font-size='10'>{escape(title[:70])}</text>"]
    for frac in (0.0, 0.5, 1.0):
        y = top + (1 - frac) * 60
        body.append(f"<line x1='{left}' x2='{left + step * (len(points) - 1) + 10}' y1='{y}' "
                    f"y2='{y}' stroke='#ddd'/><text x='{left - 4}' y='{y + 3}' "
                    f"text-anchor='end' font-size='9'>{frac:.0%}</text>")
    prev: tuple[float, float] | None = None
    for i, (quarter, rate, due) in enumerate(points):
        x = left + 5 + i * step
        body.append(f"<text x='{x}' y='{top + 78}' text-anchor='middle' font-size='9'>"
                    f"{escape(quarter)}</text>")
        if rate is None:
            body.append(f"<circle cx='{x}' cy='{top + 60}' r='3' fill='none' stroke='#999'>"
                        f"<title>{escape(quarter)}: withheld or none due ({escape(str(due))})"
                        "</title></circle>")
            prev = None
            continue
        y = top + (1 - rate) * 60
        if prev is not None:
            body.append(f"<line x1='{prev[0]}' y1='{prev[1]:.1f}' x2='{x}' y2='{y:.1f}' "
                        f"stroke='{INK}' stroke-width='2'/>")
        body.append(f"<circle cx='{x}' cy='{y:.1f}' r='3' fill='{INK}'><title>"
                    f"{escape(quarter)}: {rate:.0%} met on time of {escape(str(due))}"
                    "</title></circle>")
        prev = (x, y)
    desc = "; ".join(f"{q}: " + ("withheld" if r is None else f"{r:.0%}") for q, r, _ in points)
    return (f"<svg xmlns='http://www.w3.org/2000/svg' role='img' width='{w}' height='{h}' "
            f"viewBox='0 0 {w} {h}' {FONT} font-size='11'><title>{escape(title)}</title>"
            f"<desc>{escape(desc)}</desc>" + "".join(body) + "</svg>")
