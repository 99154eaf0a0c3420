"""A batch of input lines decided at once (contract §3): the accepted events as columns,
the rest as rejects with their reasons. Ingest's hot path.

Why columns: checking a line at a time (`engine.events.parse_event`) cost several times
what the database spends storing it. Here each rule is checked once per batch over a
column with C-level calls: one JSON decode per line, one regular expression over all
the ids, one subset test for all the types, sources and areas, one `data_problem` per
distinct (type, data object). A batch of well-formed lines runs no Python per event.

Why it is exact: the bulk checks only ever *accept*. A line they cannot accept outright
(a check failed on one of its values; it is not ASCII; it holds a \\u escape; it did not
decode) is decided by `engine.event_lines.jsonl_line`, the reader `check` uses, so every
reject and its reason are that reader's, byte for byte. The bulk checks accept a line
only when that reader would accept it with the same values (a differential test holds
the two to the same outcome on a hostile corpus). Lines are ASCII without escapes before
orjson decodes them, so it reads them as `json` does: the only difference left, an
integer past 64 bits read as a float, is a value no rule accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

import orjson

from engine.errors import EventProblem
from engine.event_columns import EventColumns, LineBatch, from_read_lines
from engine.event_lines import CsvRecord, ReadLine, decide_record, jsonl_line
from engine.events import (
    CASE_ID_PATTERN,
    EVENT_ID_PATTERN,
    TOP_LEVEL,
    data_problem,
    is_case_id,
    is_event_id,
    parse_timestamp,
    parse_timestamps,
)
from engine.vocabulary import Vocabulary

_TOP = frozenset(TOP_LEVEL)
_VERDICTS_MAX = 200_000
# A whole second with an offset, as written in a line (the shape extracts use) and as
# `datetime.isoformat` writes the instant it parses to (UTC as "+00:00", never "Z" or
# "-00:00", which parse to the same offset).
_WHOLE_SECOND = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:[0-5]\d)"
_WHOLE_SECOND_TEXTS = re.compile(f"(?:{_WHOLE_SECOND}\n)*{_WHOLE_SECOND}", re.ASCII)


def _joined(pattern: str) -> Callable[[Sequence[Any]], bool]:
    """A test that every item is a str matching `pattern` in full, by one match over the
    items joined by newlines (the pattern excludes the newline, so the joined text can
    only match item by item)."""
    whole = re.compile(f"(?:{pattern}\n)*{pattern}", re.ASCII)

    def check(items: Sequence[Any]) -> bool:
        try:
            return bool(items) and whole.fullmatch("\n".join(items)) is not None
        except TypeError:  # an item that is not a str
            return False

    return check


_event_ids_ok = _joined(EVENT_ID_PATTERN)
_case_ids_ok = _joined(CASE_ID_PATTERN)


Verdicts = dict[tuple[str | None, str | None], bool]  # (type, data repr) -> allowed


def decide_jsonl(first: int, texts: Sequence[str | None], vocabulary: Vocabulary,
                 source: str | None = None, verdicts: Verdicts | None = None) -> LineBatch:
    """Physical JSONL lines numbered from `first` (None: an overlong line), decided.
    `verdicts` carries the data objects judged so far from batch to batch (the same
    vocabulary's only); a run of an input has a few thousand distinct ones."""
    objs, at_index = _decode(texts)
    return _decided(first, first + len(texts) - 1, objs, at_index, len(texts), vocabulary,
                    verdicts, lambda i: jsonl_line(first + i, texts[i], vocabulary, source))


def decide_csv(records: Sequence[ReadLine | CsvRecord], vocabulary: Vocabulary,
               source: str | None = None, verdicts: Verdicts | None = None) -> LineBatch:
    """CSV lines (`engine.event_lines.csv_records`: rejected while read, or records read into
    objects) decided: the records the bulk checks may take (as for JSONL: ASCII, no \\u
    escape) by column, every other one by the reference (`engine.event_lines.decide_record`)."""
    at_index = [i for i, r in enumerate(records)
                if isinstance(r, CsvRecord) and r.text.isascii() and "\\u" not in r.text]
    objs: list[Any] = [records[i].obj for i in at_index]

    def one(i: int) -> ReadLine:
        r = records[i]
        return decide_record(r, vocabulary, source) if isinstance(r, CsvRecord) else r

    return _decided(records[0].line, records[-1].line, objs, at_index, len(records),
                    vocabulary, verdicts, one, [r.line for r in records])


def _decided(first: int, last: int, objs: list[Any], at_index: list[int], n: int,
             vocabulary: Vocabulary, verdicts: Verdicts | None,
             reference: Callable[[int], ReadLine], numbers: Sequence[int] | None = None
             ) -> LineBatch:
    """A batch of `n` lines: `objs` (line `at_index[j]` of the batch) go through the
    column checks; every line they do not accept is decided by `reference(i)`, so each
    reject and its reason come from the one-line reader. `numbers[i]` is line i's number
    (default: first + i)."""
    cols = EventColumns(at_iso=[])
    taken: set[int] = set()
    if objs:
        checks = _Checks(objs, vocabulary, {} if verdicts is None else verdicts)
        passed = checks.passed()
        if numbers is None and len(passed) == n:  # every line, numbered from first
            lines = list(range(first, first + n))
        else:
            lines = [first + at_index[j] if numbers is None else numbers[at_index[j]]
                     for j in passed]
        checks.take(cols, passed, lines)
        taken = {at_index[j] for j in passed}
    rejects: list[EventProblem] = []
    if len(taken) < n:
        accepted_before = len(cols)
        for i in range(n):
            if i not in taken:
                rl = reference(i)
                if rl.event is not None:
                    cols.append(rl.line, rl.event)
                else:
                    assert rl.problem is not None
                    rejects.append(rl.problem)
        if len(cols) > accepted_before:
            cols = cols.in_line_order()
    return LineBatch(first, last, cols, rejects)


def _decode(texts: Sequence[str | None]) -> tuple[list[Any], list[int]]:
    """Decode the lines the bulk checks may accept: ASCII with no \\u escape (so no lone
    surrogate, no byte that was not UTF-8), decoded by orjson. Returns the objects and,
    for each, its index in `texts`; a line left out is decided by the reference reader."""
    try:
        whole: str | None = "\n".join(texts)  # type: ignore[arg-type]
    except TypeError:  # an overlong line (None)
        whole = None
    if whole is not None and whole.isascii() and "\\u" not in whole:
        try:
            return list(map(orjson.loads, texts)), list(range(len(texts)))  # type: ignore[arg-type]
        except orjson.JSONDecodeError:
            pass  # some line is not plain JSON: decode them one by one
    objs, at_index = [], []
    for i, text in enumerate(texts):
        if text is None or not text.isascii() or "\\u" in text:
            continue
        try:
            objs.append(orjson.loads(text))
        except orjson.JSONDecodeError:
            continue
        at_index.append(i)
    return objs, at_index


class _Checks:
    """The contract's rules over columns of decoded objects. `passed()` lists the objects
    that satisfy every rule; the others are left to the reference reader."""

    def __init__(self, objs: list[Any], vocabulary: Vocabulary, verdicts: Verdicts) -> None:
        self.vocab = vocabulary
        self.verdicts = verdicts
        self.objs = objs
        self.bad: set[int] = set()
        self.cols: dict[str, list[Any]] = {}
        self.type_name: list[str | None] = []
        self.at: list[datetime | None] = []
        self.at_iso: list[str] | None = None
        self.data: list[Any] = []
        self.data_key: list[str | None] = []
        self.area_level = {n for n, t in vocabulary.types.items() if t.level == "area"}

    def col(self, key: str) -> list[Any]:
        """One key's values (None where absent), read once."""
        out = self.cols.get(key)
        if out is None:
            out = self.cols[key] = list(map(dict.get, self.objs, repeat(key), repeat(None)))
        return out

    def fail_where(self, bad: Iterable[bool]) -> None:
        self.bad.update(i for i, b in enumerate(bad) if b)

    def passed(self) -> list[int]:
        objs = self.objs
        if set(map(type, objs)) != {dict}:
            self.fail_where(type(o) is not dict for o in objs)
            self.objs = objs = [o if type(o) is dict else {} for o in objs]
        if not set().union(*objs) <= _TOP:
            self.fail_where(not o.keys() <= _TOP for o in objs)
        ids = self.col("event_id")
        if not _event_ids_ok(ids):
            self.fail_where(not is_event_id(e) for e in ids)
        self._types()
        self._instants()
        self._sources_and_areas()
        self._case_ids()
        self._data()
        if not self.bad:
            return list(range(len(objs)))
        return [i for i in range(len(objs)) if i not in self.bad]

    def _types(self) -> None:
        types, known = self.col("type"), self.vocab.types
        if _all_in(types, known.keys()):
            self.type_name = types
        else:
            self.type_name = [t if type(t) is str and t in known else None for t in types]
            self.fail_where(t is None for t in self.type_name)

    def _instants(self) -> None:
        texts = self.col("at")
        try:
            self.at = list(parse_timestamps(texts))
            self.at_iso = _whole_second_iso(texts)
        except ValueError:
            self.at = [_instant_or_none(t) for t in texts]
            self.fail_where(a is None for a in self.at)

    def _sources_and_areas(self) -> None:
        sources, areas = self.col("source"), self.col("area")
        if not _all_in(sources, self.vocab.sources):
            self.fail_where(not (type(s) is str and s in self.vocab.sources) for s in sources)
        register = self.vocab.areas
        if not register:  # no register: any text (parse_event requires it, not empty)
            self.fail_where(not (type(a) is str and a != "") for a in areas)
        elif not _all_in(areas, register):
            self.fail_where(not (type(a) is str and a in register) for a in areas)

    def _case_ids(self) -> None:
        cids, levels = self.col("case_id"), self.area_level
        if levels.isdisjoint(self.type_name):
            if _case_ids_ok(cids):
                return
            self.fail_where(not is_case_id(c) for c in cids)
            return
        # An area-level event has no case id (absent, null or ""); a case event has one.
        self.fail_where((c is not None and c != "") if t in levels else not is_case_id(c)
                        for c, t in zip(cids, self.type_name, strict=True))

    def _data(self) -> None:
        """`data_problem` once per distinct (type, data object), told apart by repr."""
        datas = self.col("data")
        if None in datas:  # absent or null: {}
            datas = [{} if d is None else d for d in datas]
        self.data = datas
        try:
            keys: list[str | None] = list(map(repr, datas))
        except RecursionError:  # nested too deeply to write back: not allowed anyway
            keys = [_repr_or_none(d) for d in datas]
            self.fail_where(k is None for k in keys)
        self.data_key = keys
        pairs = list(zip(self.type_name, keys, strict=True))
        one_of_each = dict(zip(pairs, datas, strict=True))
        areas, types, known = self.vocab.areas, self.vocab.types, self.verdicts
        if len(known) > _VERDICTS_MAX:
            known.clear()
        for (t, k), d in one_of_each.items():
            if (t, k) not in known:
                known[t, k] = t is not None and k is not None and \
                    data_problem(types[t], d, areas) is None
        refused = {p for p in one_of_each if not known[p]}
        if refused:
            self.fail_where(p in refused for p in pairs)

    def take(self, cols: EventColumns, passed: list[int], lines: list[int]) -> None:
        """The passed objects' values into `cols`, as `parse_event` makes them."""
        every = len(passed) == len(self.objs)

        def pick(values: list[Any]) -> list[Any]:
            return values if every else [values[j] for j in passed]

        cols.line = lines
        cols.event_id = pick(self.col("event_id"))
        cols.type = pick(self.type_name)
        levels = self.area_level
        if levels.isdisjoint(cols.type):
            cols.case_id = pick(self.col("case_id"))
        else:  # an area-level event's case id is None ("" or absent in the line)
            cols.case_id = [None if t in levels else c
                            for c, t in zip(pick(self.col("case_id")), cols.type, strict=True)]
        cols.area = pick(self.col("area"))
        cols.source = pick(self.col("source"))
        cols.at = pick(self.at)
        cols.at_iso = None if self.at_iso is None else pick(self.at_iso)
        cols.data = pick(self.data)
        cols.data_key = pick(self.data_key)


def _whole_second_iso(texts: list[str]) -> list[str] | None:
    """`datetime.isoformat` of each instant parsed from `texts` (valid instants), when
    every text is a whole second with an offset (one match over the column); else None.
    Such a text parses to the same fields and the same offset, which isoformat writes
    back as written, except that UTC is always "+00:00". In this shape "Z" and "-00:00"
    can only be the offset (the date and time hold no colon after a "-", and no "Z")."""
    joined = "\n".join(texts)
    if _WHOLE_SECOND_TEXTS.fullmatch(joined) is None:
        return None
    if "Z" not in joined and "-00:00" not in joined:
        return texts
    return joined.replace("Z", "+00:00").replace("-00:00", "+00:00").split("\n")


def _all_in(values: list[Any], allowed: Any) -> bool:
    try:
        return set(values) <= allowed  # type: ignore[no-any-return]
    except TypeError:  # an unhashable value
        return False


def _instant_or_none(text: Any) -> datetime | None:
    try:
        return parse_timestamp(text)
    except ValueError:
        return None


def _repr_or_none(data: Any) -> str | None:
    try:
        return repr(data)
    except RecursionError:
        return None


__all__ = ["EventColumns", "LineBatch", "decide_csv", "decide_jsonl", "from_read_lines"]
