"""The reader never raises and never loses a line (issue 10 §2): random bytes, random
JSON and mutations of valid lines. A few thousand examples for the reader alone; fewer
through ingest into a real SQLite store, where every example costs a transaction."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.check import accept_lines
from engine.config import load_config
from engine.errors import REJECT_TEXT_MAX, EventErrors
from engine.event_lines import read_lines
from engine.ingest import ingest_paths
from tests.store.store_data import cohort

ROOT = Path(__file__).resolve().parents[2]
VOCAB = load_config(ROOT / "area_configs").vocabulary
VALID = [json.dumps(o) for o in cohort(12)]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=8)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid line with one thing changed: a key's value, a key, a cut, or bytes spliced."""
    obj = json.loads(draw(st.sampled_from(VALID)))
    how = draw(st.integers(0, 3))
    if how == 0:
        obj[draw(st.sampled_from(sorted(obj)))] = draw(json_values)
    elif how == 1:
        obj[draw(st.text(max_size=10))] = draw(json_values)
    elif how == 2:
        obj["data"] = draw(st.dictionaries(st.sampled_from(["offence", "topic", "language",
                                                            "to_area", "x"]), json_values))
    text = json.dumps(obj, ensure_ascii=draw(st.booleans())).encode("utf-8")
    if how == 3:
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 8))
        text = text[:at] + draw(st.binary(max_size=8)) + text[at + cut:]
    return text


lines = st.one_of(
    st.binary(max_size=80),
    json_values.map(lambda v: json.dumps(v).encode("utf-8")),
    st.sampled_from(VALID).map(str.encode),
    mutated(),
)
files = st.tuples(st.lists(lines, max_size=6), st.booleans(), st.sampled_from(["\n", "\r\n"]))


def _bytes(parts: tuple[list[bytes], bool, str]) -> bytes:
    chunks, final_newline, end = parts
    data = end.encode().join(chunks)
    return data + end.encode() if final_newline and chunks else data


def _expected_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _stream(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape",
                            newline="\n")


@settings(max_examples=2000, deadline=None)
@given(files)
def test_every_line_is_one_outcome_and_nothing_escapes(parts: tuple[list[bytes], bool, str]
                                                       ) -> None:
    data = _bytes(parts)
    out = list(read_lines(_stream(data), VOCAB, "jsonl", "f.jsonl"))
    assert [rl.line for rl in out] == list(range(1, _expected_lines(data) + 1))
    for rl in out:
        assert (rl.event is None) != (rl.problem is None)
        if rl.problem is not None:
            assert len(rl.problem.render()) <= 3 * REJECT_TEXT_MAX + 40
    try:
        accept_lines(iter(out), "f.jsonl")
    except EventErrors as exc:
        assert exc.problems
    csv = list(read_lines(_stream(b"event_id,case_id,area,type,at,source,data\n" + data),
                          VOCAB, "csv", "f.csv"))
    assert [rl.line for rl in csv] == list(range(2, _expected_lines(data) + 2))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files)
def test_ingest_accounts_for_every_line(db: str, config_dir: Path, tmp_path: Path,
                                        parts: tuple[list[bytes], bool, str]) -> None:
    data = _bytes(parts)
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    (f,) = ingest_paths(db, [str(path)], config_dir=config_dir, batch_lines=5).files
    assert f.accepted + f.duplicate + f.rejected == f.lines == _expected_lines(data)
