"""The case journey: one SVG swimlane per case, drawn on the server (no script).

Lanes for the police, the CPS, the court and witness care, the ISVA service and contact
with the complainant. Events are marks on their lane; each step instance is a bar from
its trigger to its due instant, coloured and labelled by status (a word when the bar is
wide enough, else a short code from the legend: never colour alone); pauses in contact
are shaded; dashed and solid lines mark the as-of and today.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from engine.calendar import LONDON
from engine.reports import Facts, Words, when, words

LANES = (("police", "Police"), ("cps", "CPS"), ("court", "Court and witness care"),
         ("isva", "ISVA service"), ("contact", "Contact with the complainant"))
OWNER_LANE = {"police": "police", "cps": "cps", "wcu": "court", "probation": "court",
              "isva": "isva", "source": "contact", "area": "police"}
SOURCE_LANE = {"police": "police", "cps": "cps", "court": "court", "wcu": "court",
               "probation": "court", "isva": "isva"}
# fill, ink on it, short code (the legend spells each out)
STATUS_STYLE = {"met": ("#00703c", "#fff", "✓"), "late": ("#f47738", "#0b0c0c", "L"),
                "missed": ("#d4351c", "#fff", "M"), "due_soon": ("#ffdd00", "#0b0c0c", "S"),
                "due": ("#1d70b8", "#fff", "D"), "cancelled": ("#b1b4b6", "#0b0c0c", "C"),
                "violated": ("#942514", "#fff", "V")}
WIDTH, GUTTER, RIGHT = 1000, 270, 20
ROW, EVENT_ROW, TOP, AXIS = 18, 22, 30, 40
FONT = "font-family='arial, sans-serif' font-size='12'"


def event_lane(type_: str, source: str) -> str:
    head = type_.split(".", 1)[0]
    if head in ("complainant", "consent"):
        return "contact"
    if head in ("court", "probation"):
        return "court"
    if head in ("isva", "cps", "police"):
        return head
    return SOURCE_LANE.get(source, "police")


def _instant(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value).astimezone(UTC)


def _pauses(events: list[dict[str, Any]], end: datetime) -> list[tuple[datetime, datetime]]:
    spans, start = [], None
    for e in events:
        at = _instant(e["at"])
        assert at is not None
        if e["type"] == "complainant.contact_paused" and start is None:
            start = at
        elif e["type"] == "complainant.contact_resumed" and start is not None:
            spans.append((start, at))
            start = None
    if start is not None:
        spans.append((start, end))
    return spans


def _ticks(t0: datetime, t1: datetime) -> Iterator[tuple[datetime, str]]:
    """Month starts (every third when the span is long), or Mondays for short spans."""
    span = (t1 - t0).days
    if span <= 62:
        day = t0.astimezone(LONDON).date()
        day += timedelta(days=(7 - day.weekday()) % 7)
        while True:
            at = datetime(day.year, day.month, day.day, tzinfo=LONDON)
            if at > t1:
                return
            yield at, f"{day.day} {day:%b}"
            day += timedelta(days=7)
    step = 1 if span <= 400 else 3 if span <= 1200 else 6
    d = t0.astimezone(LONDON).date().replace(day=1)
    while True:
        d = date(d.year + (d.month // 12), d.month % 12 + 1, 1)
        if (d.month - 1) % step:
            continue
        at = datetime(d.year, d.month, 1, tzinfo=LONDON)
        if at > t1:
            return
        yield at, f"{d:%b %Y}"


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def swimlane(case: dict[str, Any], w: Words, now: datetime) -> str:
    """The SVG for a case as read by `case_timeline` (instants in London time)."""
    events, insts = case["events"], case["instances"]
    as_of = _instant(case["evaluated_as_of"]) or now
    points = [_instant(e["at"]) for e in events]
    points += [_instant(i["trigger_at"]) for i in insts] + [_instant(i["due"]) for i in insts]
    known = [p for p in points if p is not None] + [as_of, now]
    t0, t1 = min(known), max(known)
    pad = max((t1 - t0) * 0.02, timedelta(hours=12))
    t0, t1 = t0 - pad, t1 + pad
    plot = WIDTH - GUTTER - RIGHT

    def x(at: datetime) -> float:
        return GUTTER + plot * (at - t0) / (t1 - t0)

    rows: dict[str, list[str]] = {k: [] for k, _ in LANES}
    for i in insts:
        lane = OWNER_LANE.get(i["owner"], "police")
        if i["step"] not in rows[lane]:
            rows[lane].append(i["step"])
    body: list[str] = []
    y: float = TOP
    lane_y: dict[str, float] = {}
    row_y: dict[tuple[str, str], float] = {}
    for key, label in LANES:
        height = EVENT_ROW + ROW * len(rows[key]) + 8
        lane_y[key] = y
        body.append(f"<rect x='0' y='{y}' width='{WIDTH}' height='{height}' "
                    f"fill='{'#f3f2f1' if len(lane_y) % 2 else '#ffffff'}'/>"
                    f"<text x='6' y='{y + 15}' font-weight='bold'>{escape(label)}</text>")
        for k, step in enumerate(rows[key]):
            ry = y + EVENT_ROW + k * ROW
            row_y[(key, step)] = ry
            title = w.step(step, case["area"])
            body.append(f"<text x='14' y='{ry + 12}'><title>{escape(title)}</title>"
                        f"{escape(_short(title, 40))}</text>")
        y += height
    bottom = y
    for start, end in _pauses(events, as_of):
        body.append(f"<rect x='{x(start):.1f}' y='{TOP}' width='{max(x(end) - x(start), 2):.1f}' "
                    f"height='{bottom - TOP}' fill='#505a5f' fill-opacity='0.18'>"
                    f"<title>Contact paused {escape(when(start.isoformat()))} to "
                    f"{escape(when(end.isoformat()))}</title></rect>")
    for at, text in _ticks(t0, t1):
        body.append(f"<line x1='{x(at):.1f}' x2='{x(at):.1f}' y1='{TOP}' y2='{bottom + 4}' "
                    f"stroke='#b1b4b6' stroke-width='1'/><text x='{x(at):.1f}' "
                    f"y='{bottom + 18}' text-anchor='middle'>{escape(text)}</text>")
    body.append(f"<line x1='{GUTTER}' x2='{WIDTH - RIGHT}' y1='{bottom}' y2='{bottom}' "
                f"stroke='#0b0c0c'/><text x='{GUTTER}' y='{bottom + 34}'>Date (London time)"
                f"</text>")
    for i in insts:
        lane = OWNER_LANE.get(i["owner"], "police")
        ry = row_y[(lane, i["step"])]
        start = _instant(i["trigger_at"]) or _instant(i["due"]) or as_of
        end = _instant(i["due"]) or start
        fill, ink, code = STATUS_STYLE.get(i["status"], ("#b1b4b6", "#0b0c0c", "?"))
        word = words.status(i["status"])
        x0, x1 = x(start), max(x(end), x(start) + 3)
        hover = (f"{w.step(i['step'], case['area'])}: {word}"
                 + (f", due {when(i['due'])}" if i["due"] else ""))
        body.append(f"<g class='bar' data-status={quoteattr(i['status'])}>"
                    f"<rect x='{x0:.1f}' y='{ry + 2}' width='{x1 - x0:.1f}' height='13' "
                    f"fill='{fill}' stroke='#0b0c0c' stroke-width='0.5'><title>{escape(hover)}"
                    f"</title></rect>")
        if x1 - x0 >= 7 * len(word) + 6:
            body.append(f"<text x='{x0 + 3:.1f}' y='{ry + 12.5}' fill='{ink}' "
                        f"font-size='11'>{escape(word)}</text>")
        else:
            body.append(f"<text x='{x1 + 2:.1f}' y='{ry + 12.5}' font-size='11' "
                        f"font-weight='bold'>{escape(code)}</text>")
        body.append("</g>")
    for e in events:
        mark = _instant(e["at"])
        assert mark is not None
        lane = event_lane(e["type"], e["source"])
        cx, cy = x(mark), lane_y[lane] + EVENT_ROW - 4
        body.append(f"<path d='M{cx:.1f} {cy - 6} l5 6 l-5 6 l-5 -6 z' fill='#0b0c0c'>"
                    f"<title>{escape(words.event(e['type']))}, {escape(when(e['at']))}</title>"
                    f"</path>")
    for at, dash, colour in ((as_of, "5 3", "#0b0c0c"), (now, "", "#1d70b8")):
        lx = x(at)
        body.append(f"<line x1='{lx:.1f}' x2='{lx:.1f}' y1='{TOP - 6}' y2='{bottom}' "
                    f"stroke='{colour}' stroke-width='2'"
                    + (f" stroke-dasharray='{dash}'" if dash else "") + "/>")
    as_x, now_x = x(as_of), x(now)
    near = abs(as_x - now_x) < 150
    body.append(f"<text x='{as_x - 3:.1f}' y='{TOP - 10}' text-anchor='end'>As of "
                f"{escape(when(as_of.isoformat()))}</text>")
    anchor = " text-anchor='end'" if now_x > WIDTH - 200 else ""
    body.append(f"<text x='{now_x + 3:.1f}' y='{TOP - 10 - (12 if near else 0)}'{anchor}>"
                f"Today {escape(when(now.isoformat()))}</text>")
    legend_y = bottom + AXIS + 14
    lx = float(GUTTER)
    for status, (fill, _ink, code) in STATUS_STYLE.items():
        body.append(f"<rect x='{lx}' y='{legend_y - 10}' width='12' height='12' fill='{fill}' "
                    f"stroke='#0b0c0c' stroke-width='0.5'/><text x='{lx + 16}' y='{legend_y}'>"
                    f"{escape(code)} {escape(words.status(status))}</text>")
        lx += 96
    svg_height = legend_y + 20
    desc = (f"Case {case['case_id']}: {len(events)} events and {len(insts)} step instances "
            f"on lanes for police, CPS, court and witness care, the ISVA service and contact "
            f"with the complainant. The same facts are listed below the chart.")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' role='img' aria-labelledby='journey-title "
            f"journey-desc' width='{WIDTH}' height='{svg_height:.0f}' viewBox='0 0 {WIDTH} "
            f"{svg_height:.0f}' {FONT}><title id='journey-title'>Journey of case "
            f"{escape(case['case_id'])}</title><desc id='journey-desc'>{escape(desc)}</desc>"
            + "".join(body) + "</svg>")


def journey_view(case: dict[str, Any], w: Words, facts: Facts,
                 now: datetime | None = None) -> dict[str, Any]:
    """What the case page shows: the swimlane, then each step once (its title, its
    source as a link) with its instances beneath."""
    steps: dict[str, dict[str, Any]] = {}
    for i in case["instances"]:
        entry = steps.setdefault(i["step"], {
            "step": i["step"], "title": w.step(i["step"], case["area"]),
            "source": w.source(i["step"]), "owner": i["owner"], "instances": []})
        entry["instances"].append(i)
    ordered = sorted(steps.values(), key=lambda s: (words.agency_rank(s["owner"]),
                                                    facts.step_order().index(s["step"])
                                                    if s["step"] in facts.step_order() else 999))
    return {"svg": swimlane(case, w, now or datetime.now(UTC)), "steps": ordered,
            "stage": w.stage(case["stage"])}
