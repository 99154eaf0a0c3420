"""Static SVG charts, written as text so that HTML reports work offline with no script.

Three charts, where people would rather look than read: the heat map of areas × steps
(compliance, with each cell's overlay difference marked), the funnel of stages, and the
ageing bars (median and 90th percentile working days in stage). Every chart carries a
<title> per mark so a hover shows the figure, and a text alternative in <desc>.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

# A colour-blind-safe sequential scale from poor (0) to good (1), after viridis.
_STOPS = ((0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)),
          (0.75, (94, 201, 98)), (1.0, (253, 231, 37)))
NO_DATA = "#e8e8e8"
WITHHELD = "#bdbdbd"
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def colour(value: float) -> str:
    """The scale's colour for a value in [0, 1]."""
    v = min(1.0, max(0.0, value))
    for (x0, c0), (x1, c1) in zip(_STOPS, _STOPS[1:], strict=False):
        if v <= x1:
            t = 0 if x1 == x0 else (v - x0) / (x1 - x0)
            rgb = tuple(round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*_STOPS[-1][1])


def _ink(value: float) -> str:
    """Text colour readable on the scale's colour."""
    return "#000" if value >= 0.55 else "#fff"


def _svg(width: float, height: float, title: str, desc: str, body: list[str]) -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' role='img' width='{width:.0f}' "
            f"height='{height:.0f}' viewBox='0 0 {width:.0f} {height:.0f}' {FONT} font-size='11'>"
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
            + "".join(body) + "</svg>")


def _label(x: float, y: float, text: str) -> str:
    """A right-aligned row label."""
    return f"<text x='{x}' y='{y}' text-anchor='end'>{escape(text)}</text>"


class Cell:
    """One heat-map cell: a value in [0, 1] (None: no instances), whether it was
    withheld by disclosure control, a short mark drawn in it and its hover text."""

    __slots__ = ("value", "withheld", "mark", "hover")

    def __init__(self, value: float | None, withheld: bool = False, mark: str = "",
                 hover: str = ""):
        self.value = value
        self.withheld = withheld
        self.mark = mark
        self.hover = hover


def heat_map(rows: Sequence[str], columns: Sequence[str],
             cells: Mapping[tuple[str, str], Cell], title: str,
             legend_marks: Mapping[str, str] | None = None,
             link: Callable[[str, str], str] | None = None) -> str:
    """Rows × columns of coloured cells; column labels are drawn rotated.

    With `link`, each cell is a link to link(row, column) for the mouse, and the chart
    is hidden from assistive technology and kept out of the tab order: the page must
    then carry a table with the same figures and the same links (the dashboard does)."""
    cw, ch = 22, 16
    left = 8 + 7 * max((len(r) for r in rows), default=4)
    top = 8 + 6 * max((len(c) for c in columns), default=4)
    # Rotated labels lean right by about half their length past their column.
    lean = 3.5 * max((len(c) for c in columns), default=4)
    width = left + max(cw * len(columns) + lean + 20, 460)
    height = top + ch * len(rows) + 60 + 14 * len(legend_marks or {})
    body: list[str] = []
    for j, col in enumerate(columns):
        x = left + j * cw + cw / 2 + 4
        body.append(f"<text x='{x:.1f}' y='{top - 4}' transform='rotate(-60 {x:.1f} {top - 4})'>"
                    f"{escape(col)}</text>")
    for i, row in enumerate(rows):
        y = top + i * ch
        body.append(_label(left - 4, y + ch - 4, row))
        for j, col in enumerate(columns):
            cell = cells.get((row, col), Cell(None))
            fill = (WITHHELD if cell.withheld else NO_DATA if cell.value is None
                    else colour(cell.value))
            x = left + j * cw
            hover = cell.hover or f"{row} · {col}"
            if link is not None:
                body.append(f"<a href={quoteattr(link(row, col))} tabindex='-1'>")
            body.append(f"<g class='cell' data-row={quoteattr(row)} data-col={quoteattr(col)}>"
                        f"<rect x='{x}' y='{y}' width='{cw - 1}' height='{ch - 1}' fill='{fill}'>"
                        f"<title>{escape(hover)}</title></rect>")
            if cell.mark:
                ink = _ink(cell.value) if cell.value is not None and not cell.withheld else "#000"
                body.append(f"<text x='{x + (cw - 1) / 2}' y='{y + ch - 4}' text-anchor='middle' "
                            f"fill='{ink}' font-size='9'>{escape(cell.mark)}</text>")
            body.append("</g></a>" if link is not None else "</g>")
    # Legend: the colour scale, then the no-data and withheld swatches, then marks.
    ly = top + ch * len(rows) + 14
    for k in range(11):
        body.append(f"<rect x='{left + k * 14}' y='{ly}' width='14' height='10' "
                    f"fill='{colour(k / 10)}'/>")
    body.append(f"<text x='{left}' y='{ly + 22}'>0%</text>"
                f"<text x='{left + 154}' y='{ly + 22}' text-anchor='end'>100% met on time</text>")
    sx = left + 190
    body.append(f"<rect x='{sx}' y='{ly}' width='10' height='10' fill='{NO_DATA}'/>"
                f"<text x='{sx + 14}' y='{ly + 9}'>no instances due</text>"
                f"<rect x='{sx + 120}' y='{ly}' width='10' height='10' fill='{WITHHELD}'/>"
                f"<text x='{sx + 134}' y='{ly + 9}'>withheld [c]</text>")
    for k, (mark, meaning) in enumerate((legend_marks or {}).items()):
        body.append(f"<text x='{left}' y='{ly + 40 + 14 * k}'><tspan font-weight='bold'>"
                    f"{escape(mark)}</tspan> {escape(meaning)}</text>")
    desc = f"Heat map of {len(rows)} rows by {len(columns)} columns."
    drawn = _svg(width, height, title, desc, body)
    if link is not None:
        drawn = drawn.replace("role='img'", "aria-hidden='true' focusable='false'", 1)
    return drawn


def funnel(stages: Sequence[tuple[str, int | str]], title: str) -> str:
    """Horizontal bars, one per stage, widths relative to the first; a withheld
    count (`[c]`) is drawn as a hatched stub."""
    label_w, bar_w, bh = 150, 320, 22
    numbers = [v for _, v in stages if isinstance(v, int)]
    scale = max(numbers, default=0) or 1
    body = ["<defs><pattern id='hatch' width='6' height='6' patternUnits='userSpaceOnUse' "
            "patternTransform='rotate(45)'><rect width='3' height='6' fill='#999'/>"
            "</pattern></defs>"]
    for i, (label, value) in enumerate(stages):
        y = 6 + i * (bh + 6)
        w = bar_w * value / scale if isinstance(value, int) else 6
        fill = colour(0.25 + 0.5 * i / max(1, len(stages) - 1)) if isinstance(value, int) \
            else "url(#hatch)"
        x = label_w + (bar_w - w) / 2
        body.append(_label(label_w - 6, y + bh - 7, label)
                    + f"<rect x='{x:.1f}' y='{y}' width='{max(w, 1):.1f}' height='{bh}' "
                    f"fill='{fill}'>"
                    f"<title>{escape(label)}: {escape(str(value))}</title></rect>"
                    f"<text x='{label_w + bar_w + 6}' y='{y + bh - 7}'>{escape(str(value))}</text>")
    height = 12 + len(stages) * (bh + 6)
    desc = "; ".join(f"{label}: {value}" for label, value in stages)
    return _svg(label_w + bar_w + 60, height, title, desc, body)


def _nice_step(top: float, ticks: int = 5) -> float:
    """A round tick interval (1, 2 or 5 times a power of ten) giving about `ticks` ticks."""
    raw = max(top / ticks, 1e-9)
    power = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def ageing(rows: Sequence[tuple[str, float | None, float | None]], title: str) -> str:
    """For each stage, a bar to the median and a thinner bar to the 90th percentile of
    working days in stage, over an x axis in working days with its ticks and unit."""
    label_w, bar_w, bh = 190, 300, 18
    top = max((p for _, _, p in rows if p is not None), default=0.0) or 1.0
    step = _nice_step(top)
    top = step * -(-top // step)  # the axis ends on a tick
    body = []
    plot_h = len(rows) * (bh + 8)
    k = 0.0
    while k <= top + 1e-9:
        x = label_w + bar_w * k / top
        body.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='4' y2='{plot_h + 8}' stroke='#ccc'/>"
                    f"<text x='{x:.1f}' y='{plot_h + 22}' text-anchor='middle'>{k:g}</text>")
        k += step
    body.append(f"<line x1='{label_w}' x2='{label_w + bar_w}' y1='{plot_h + 8}' "
                f"y2='{plot_h + 8}' stroke='#000'/><line x1='{label_w}' x2='{label_w}' y1='4' "
                f"y2='{plot_h + 8}' stroke='#000'/>"
                f"<text x='{label_w + bar_w / 2}' y='{plot_h + 40}' text-anchor='middle'>"
                f"Working days in current stage (thick bar: median; thin bar: 90th percentile)"
                f"</text>")
    for i, (label, med, p90) in enumerate(rows):
        y = 6 + i * (bh + 8)
        body.append(_label(label_w - 6, y + bh - 5, label))
        if p90 is not None:
            body.append(f"<rect x='{label_w}' y='{y + bh / 3:.1f}' width='{bar_w * p90 / top:.1f}' "
                        f"height='{bh / 3:.1f}' fill='{colour(0.75)}'><title>{escape(label)}: "
                        f"90th percentile {p90:g} working days</title></rect>")
        if med is not None:
            body.append(f"<rect x='{label_w}' y='{y}' width='{max(bar_w * med / top, 1):.1f}' "
                        f"height='{bh}' fill='{colour(0.25)}' fill-opacity='0.85'><title>"
                        f"{escape(label)}: median {med:g} working days</title></rect>")
        text = "no cases" if med is None else f"median {med:g} · p90 {p90:g} working days"
        body.append(f"<text x='{label_w + bar_w + 6}' y='{y + bh - 5}'>{escape(text)}</text>")
    height = plot_h + 50
    desc = "; ".join(f"{label}: median {m}, p90 {p} working days" for label, m, p in rows)
    return _svg(label_w + bar_w + 260, height, title, desc, body)


def paired_bars(rows: Sequence[tuple[str, float | None, float | None]], title: str,
                before: str, after: str) -> str:
    """For each row, two bars on a 0-100% scale: the previous period (light) and this
    one (dark), so a scrutiny group sees at a glance what got better or worse."""
    label_w, bar_w, bh = 230, 300, 9
    body = []
    for i, (label, prev, now) in enumerate(rows):
        y = 24 + i * (2 * bh + 8)
        body.append(_label(label_w - 6, y + 2 * bh - 3, label))
        for k, (value, shade, name) in enumerate(((prev, 0.75, before), (now, 0.25, after))):
            if value is None:
                continue
            body.append(f"<rect x='{label_w}' y='{y + k * bh}' width='{max(bar_w * value, 1):.1f}' "
                        f"height='{bh - 1}' fill='{colour(shade)}'><title>{escape(label)}, "
                        f"{escape(name)}: {value:.0%}</title></rect>")
        text = " → ".join("–" if v is None else f"{v:.0%}" for v in (prev, now))
        body.append(f"<text x='{label_w + bar_w + 6}' y='{y + 2 * bh - 3}'>{escape(text)}</text>")
    body.append(f"<rect x='{label_w}' y='4' width='10' height='10' fill='{colour(0.75)}'/>"
                f"<text x='{label_w + 14}' y='13'>{escape(before)}</text>"
                f"<rect x='{label_w + 110}' y='4' width='10' height='10' fill='{colour(0.25)}'/>"
                f"<text x='{label_w + 124}' y='13'>{escape(after)}</text>")
    height = 30 + len(rows) * (2 * bh + 8)
    desc = "; ".join(f"{label}: {p} then {n}" for label, p, n in rows)
    return _svg(label_w + bar_w + 110, height, title, desc, body)
