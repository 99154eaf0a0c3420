"""XES (IEEE 1849-2016) writer: one trace per case, one event per liaison event.

Step instances ride on events as attributes, so a case-centric tool sees the verdicts
where they arose: on its triggering event, `step:<id>:status`, `step:<id>:due`,
`step:<id>:owner` and `step:<id>:severity`; on a satisfying event, `satisfies` lists the
steps it satisfied. Event data fields become `data:<field>` attributes of their XES type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import IO, Any

from engine.export.log import Trace

XES_NS = "http://www.xes-standard.org/"
EXTENSIONS = (("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
              ("Time", "time", "http://www.xes-standard.org/time.xesext"),
              ("Organizational", "org", "http://www.xes-standard.org/org.xesext"))


def xes_time(instant: datetime) -> str:
    """xs:dateTime in UTC with milliseconds, as process-mining tools expect."""
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+00:00"


# XML attribute escaping in one C-level pass (xml.sax.saxutils.quoteattr is ten times
# slower and dominated exports of large logs); newlines and tabs kept as references.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                          "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
_SPECIAL = re.compile(r'[&<>"\n\r\t]')
CACHED = 50_000  # attribute texts kept for reuse


def quoteattr(text: str) -> str:
    if _SPECIAL.search(text) is None:  # most values: nothing to escape
        return f'"{text}"'
    return '"' + text.translate(_ESCAPES) + '"'


@lru_cache(maxsize=4096)
def _key(key: str) -> str:
    return quoteattr(key)


def _attr(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"<boolean key={_key(key)} value={quoteattr(str(value).lower())}/>"
    if isinstance(value, int):
        return f"<int key={_key(key)} value={quoteattr(str(value))}/>"
    if isinstance(value, float):
        return f"<float key={_key(key)} value={quoteattr(repr(value))}/>"
    if isinstance(value, datetime):
        return f"<date key={_key(key)} value={quoteattr(xes_time(value))}/>"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return f"<string key={_key(key)} value={quoteattr(text)}/>"


# Attribute texts that repeat across a log (an event type, a source, an area, a data
# payload, a step's status) are built once each; bounded so memory stays flat.
@lru_cache(maxsize=CACHED)
def _text_attr(key: str, value: str) -> str:
    return _attr(key, value)


@lru_cache(maxsize=CACHED)
def _data_attrs(raw: str) -> str:
    """The event's data fields (JSON text) as `data:<field>` attributes, sorted."""
    return "".join(_attr(f"data:{k}", v) for k, v in sorted(json.loads(raw).items()))


@lru_cache(maxsize=CACHED)
def _verdict_attrs(step: str, nth: int, status: str, owner: str, severity: str, version: str
                   ) -> tuple[str, str]:
    """An instance's attributes but its due instant, and the due attribute's opening up
    to its value: the same few texts for most of a log's instances."""
    # Keys are unique within an event: a second instance of a step on one event (rare:
    # two gaps cannot start together, but a deadline step may list a trigger twice)
    # gets `#2`.
    prefix = f"step:{step}" + (f"#{nth}" if nth > 1 else "")
    return (_text_attr(f"{prefix}:status", status) + _text_attr(f"{prefix}:owner", owner)
            + _text_attr(f"{prefix}:severity", severity)
            + _text_attr(f"{prefix}:version", version),
            f"<date key={_key(f'{prefix}:due')} value=\"")


def write_xes(out: IO[str], traces: Iterable[Trace], log_name: str = "liaison") -> int:
    """Write the log; return the number of events written. Values are printed straight
    from the driver's rows: no event object is built."""
    out.write("<?xml version='1.0' encoding='UTF-8'?>\n")
    out.write(f"<log xes.version='1849-2016' xes.features='' xmlns='{XES_NS}'>\n")
    for name, prefix, uri in EXTENSIONS:
        out.write(f" <extension name='{name}' prefix='{prefix}' uri='{uri}'/>\n")
    out.write(" <global scope='trace'><string key='concept:name' value='__INVALID__'/></global>\n")
    out.write(" <global scope='event'><string key='concept:name' value='__INVALID__'/>"
              "<date key='time:timestamp' value='1970-01-01T00:00:00.000+00:00'/></global>\n")
    out.write(" <classifier name='Activity' keys='concept:name'/>\n")
    out.write(f" {_attr('concept:name', log_name)}\n")
    attr, data_attrs, verdict = _text_attr, _data_attrs, _verdict_attrs
    written = 0
    for trace in traces:
        driver = trace.driver
        millis, sqlite = driver.millis, driver.sqlite
        head = _attr("concept:name", trace.name) + attr("area", trace.area)
        if trace.stage is not None:
            head += attr("stage", trace.stage)
        triggered: dict[str, str] = {}
        satisfied: dict[str, set[str]] = {}
        seen: dict[tuple[str, str], int] = {}
        for row in trace.verdict_rows():  # the columns of LoggedInstance
            if row[5] is not None:
                nth = seen[(row[5], row[3])] = seen.get((row[5], row[3]), 0) + 1
                fixed, due = verdict(row[3], nth, row[4], row[9], row[10], row[11])
                if row[7] is not None:
                    fixed = f'{fixed}{due}{millis(row[7])}"/>'
                triggered[row[5]] = triggered.get(row[5], "") + fixed
            if row[8] is not None:
                satisfied.setdefault(row[8], set()).add(row[3])
        lines = [f" <trace>{head}\n"]
        for eid, _case, area, etype, at, source, data in trace.event_rows:
            # SQLite's "YYYY-MM-DD HH:MM:SS.ffffff" (UTC) sliced here: `millis` inline
            stamp = f"{at[:10]}T{at[11:23]}+00:00" if sqlite else millis(at)
            line = (f"  <event>{attr('concept:name', etype)}"
                    f"<date key=\"time:timestamp\" value=\"{stamp}\"/>"
                    f"{attr('org:resource', source)}<string key=\"event_id\" "
                    f"value={quoteattr(eid)}/>{attr('area', area)}"
                    f"{data_attrs(data) if data != '{}' else ''}")
            if eid in triggered:
                line += triggered[eid]
            if eid in satisfied:
                line += attr("satisfies", ",".join(sorted(satisfied[eid])))
            lines.append(line + "</event>\n")
        written += len(lines) - 1
        lines.append(" </trace>\n")
        out.write("".join(lines))
    out.write("</log>\n")
    return written
