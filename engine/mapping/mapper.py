"""One row to zero or more events, by a validated mapping.

Every row ends in exactly one of three ways: mapped (one or more events), skipped (no
rule applies, or its code maps to null, or it is blank) or rejected (with the column and
a reason). A rejected row gives no event at all: half a row's events would be a case
history the source system never held.

A reject names the row number, the mapping's column and the event field, and says what
was allowed. It never holds a cell's value: rejected rows are where names, phone numbers
and free-text notes turn up, and rejects are kept for people to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.config.national import National
from engine.errors import EventError, bounded
from engine.events import CASE_ID_RULE, parse_event
from engine.mapping.loader import REGISTER
from engine.mapping.model import EventRule, Mapping, ValueFrom
from engine.mapping.pseudonym import Pseudonymiser, plain_digest
from engine.mapping.readers import Row
from engine.mapping.timestamps import TimestampError, TimestampReader
from engine.vocabulary import FieldSpec


@dataclass(frozen=True)
class RowReject:
    """Why a row gave no events. `column` is a name from the mapping file, `field` a
    vocabulary name; neither comes from the row."""

    row: int
    reason: str
    column: str | None = None
    field: str | None = None

    def to_json(self, file: str) -> dict[str, Any]:
        return {"file": bounded(file), "row": self.row, "column": bounded(self.column),
                "field": self.field, "reason": bounded(self.reason)}


class _Reject(Exception):
    def __init__(self, reason: str, column: str | None = None, field: str | None = None):
        super().__init__(reason)
        self.reason, self.column, self.field = reason, column, field


@dataclass
class RowOutcome:
    """What one row gave."""

    row: int
    events: list[dict[str, Any]] = field(default_factory=list)
    reject: RowReject | None = None


class Mapper:
    """A mapping compiled against the vocabulary, the register and the key."""

    def __init__(self, mapping: Mapping, national: National,
                 pseudonymiser: Pseudonymiser | None) -> None:
        if mapping.case_id.pseudonymise and pseudonymiser is None:
            raise ValueError("this mapping pseudonymises case ids and needs the key")
        self.m, self.nat, self.key = mapping, national, pseudonymiser
        self.vocab = national.vocabulary
        self.areas = frozenset(national.register)
        self.clock = TimestampReader.of(mapping.timestamps)
        self._ids: dict[str, str] = {}  # reference -> pseudonymised id, bounded
        self.register: dict[str, str] = {}
        for aid, info in national.register.items():
            self.register[aid] = aid
            self.register[info.name] = aid

    def map_rows(self, rows: Iterable[Row]) -> Iterable[RowOutcome]:
        for row in rows:
            yield self.map_row(row)

    def map_row(self, row: Row) -> RowOutcome:
        """The row's events, or its reject; never raises on any cell content."""
        out = RowOutcome(row.number)
        if row.cells is None:
            out.reject = RowReject(row.number, row.problem or "cannot be read")
            return out
        if row.blank:
            return out
        try:
            out.events = [e for rule in self.m.events
                          if (e := self._event(rule, row.cells)) is not None]
        except _Reject as r:
            out.reject = RowReject(row.number, r.reason, r.column, r.field)
        return out

    # --- one rule ---------------------------------------------------------------------

    def _event(self, rule: EventRule, cells: dict[str, str]) -> dict[str, Any] | None:
        if rule.when is not None:
            value = cells.get(rule.when.column, "")
            if not value or (rule.when.in_ is not None and value not in rule.when.in_):
                return None
        etype = self._lookup(rule.type, cells, "type")
        if etype is None:
            return None  # the code maps to null: this row is not an event of this rule
        spec = self.vocab.types[str(etype)]
        assert rule.at.column is not None
        at = self._instant(rule.at.column, cells)
        obj: dict[str, Any] = {"event_id": ""}
        if spec.level == "case":
            obj["case_id"] = self._case_id(cells)
        obj.update(area=self._lookup(self.m.area, cells, "area"), type=spec.name,
                   at=at.isoformat(), source=self._lookup(self.m.source, cells, "source"))
        data: dict[str, Any] = {}
        for fname, src in rule.data.items():
            fs = spec.fields.get(fname)
            if fs is None:
                if src.column is not None and cells.get(src.column):
                    raise _Reject(f"has a value, but {spec.name} has no field {fname}",
                                  src.column, f"data.{fname}")
                continue
            value = self._field(fs, src, cells)
            if value is not None:
                data[fname] = value
        obj["data"] = {f: data[f] for f in spec.fields if f in data}  # the vocabulary's order
        obj["event_id"] = self.event_id(cells, spec.name)
        return self._validated(obj, rule)

    def _validated(self, obj: dict[str, Any], rule: EventRule) -> dict[str, Any]:
        """The event as the reader will see it; a field the vocabulary refuses is a
        reject that names the field and what it allows (never the value)."""
        try:
            event = parse_event(obj, self.vocab)
        except EventError as exc:
            name = exc.problem.field or ""
            spec = self.vocab.types[obj["type"]]
            fs = spec.fields.get(name[5:]) if name.startswith("data.") else None
            column: str | None = None
            if fs is not None:
                column = rule.data[fs.name].column if fs.name in rule.data else None
                reason = (f"is not allowed (allowed: {fs.allowed()})" if fs.name in obj["data"]
                          else f"is required for {spec.name} (allowed: {fs.allowed()})")
            elif name == "case_id":
                column = self.m.case_id.column
                reason = f"must be a case id when not pseudonymised: {CASE_ID_RULE}"
            else:
                reason = "is not allowed by the event rules"
            raise _Reject(reason, column, name or None) from None
        return event.to_json()

    def _cell(self, column: str, cells: dict[str, str], what: str,
              field: str | None = None) -> str:
        value = cells.get(column, "")
        if not value:
            raise _Reject(f"is empty; {what} is required", column, field)
        return value

    def _lookup(self, src: ValueFrom, cells: dict[str, str], what: str) -> Any:
        """A fixed value, or a column's code through its map (register included)."""
        if src.value is not None:
            return src.value
        assert src.column is not None
        code = self._cell(src.column, cells, f"the event's {what}", what)
        return self._mapped(src, code, what)

    def _mapped(self, src: ValueFrom, code: str, what: str) -> Any:
        if src.map is None:
            return code
        table: dict[str, Any] = self.register if src.map == REGISTER else self.m.value_maps[src.map]
        if code not in table:
            listed = "a police force area's name or id" if src.map == REGISTER else \
                _listing(list(table))
            raise _Reject(f'the code is not in the value map "{src.map}" (allowed: {listed})',
                          src.column, what)
        return table[code]

    def _instant(self, column: str, cells: dict[str, str]) -> datetime:
        text = self._cell(column, cells, "the event's instant", "at")
        try:
            return self.clock.parse(text)
        except TimestampError as exc:
            raise _Reject(str(exc), column, "at") from None

    def _case_id(self, cells: dict[str, str]) -> str:
        rule = self.m.case_id
        ref = self._cell(rule.column, cells, "the case reference", "case_id")
        if not rule.pseudonymise:
            return ref
        assert self.key is not None
        hit = self._ids.get(ref)
        if hit is None:  # an extract lists a case's rows together: remember recent ones
            if len(self._ids) >= 4096:
                self._ids.clear()
            hit = self._ids[ref] = self.key.case_id(ref, rule.prefix)
        return hit

    def event_id(self, cells: dict[str, str], etype: str) -> str:
        """system:hash of (system, row key cells, type): stable across re-exports, keyed
        when references are pseudonymised (a row key is often the crime number)."""
        parts = [self.m.system]
        for col in self.m.row_key:
            parts.append(self._cell(col, cells, "the row key", "event_id"))
        parts.append(etype)
        digest = self.key.digest(parts) if self.m.case_id.pseudonymise and self.key else \
            plain_digest(parts)
        return f"{self.m.system}:{digest[:24]}"

    def _field(self, fs: FieldSpec, src: ValueFrom, cells: dict[str, str]) -> Any:
        where = f"data.{fs.name}"
        if src.value is not None:
            return src.value
        assert src.column is not None
        code = cells.get(src.column, "")
        if not code:
            if fs.optional:
                return None
            raise _Reject(f"is empty; {fs.name} is required", src.column, where)
        if fs.kind == "list":
            items = [c.strip() for c in code.split(src.separator or ";") if c.strip()]
            return [self._mapped(src, c, where) for c in items]
        if src.map is not None:
            return self._mapped(src, code, where)
        if fs.kind == "integer":
            if not code.lstrip("-").isdigit() or len(code) > 9:
                raise _Reject(f"is not a whole number (allowed: {fs.allowed()})",
                              src.column, where)
            return int(code)
        if fs.kind == "date":
            fmt = src.format or "%Y-%m-%d"
            try:
                return datetime.strptime(code, fmt).date().isoformat()
            except ValueError:
                raise _Reject(f"does not match the date format {fmt}", src.column,
                              where) from None
        if fs.kind == "boolean":
            if code.lower() in ("true", "false"):
                return code.lower() == "true"
            raise _Reject("is not true or false (give the column a value map for its codes)",
                          src.column, where)
        return code


def _listing(codes: list[str], most: int = 8) -> str:
    """The codes a map lists, the first few of them when there are many (the mapping
    file has them all; a reject stays short)."""
    shown = " | ".join(f'"{c}"' for c in codes[:most])
    return shown + (f" and {len(codes) - most} more" if len(codes) > most else "")
