"""`liaison check --format json` is written case by case, chunk by chunk, so a national
file is printed while it is judged; the text must be exactly what one `json.dumps` of the
whole result gives (contract §9), whatever the chunking, with or without cases and
area-level instances."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.check
from engine.check import Check, accept_lines, check, indented, write_json
from engine.config import load_config
from engine.event_lines import read_lines
from engine.events import parse_timestamp
from engine.simulate import CohortSpec, write_cohort

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "area_configs")


@pytest.mark.parametrize(("chunk", "area"), [(7, None), (1000, None), (5, "south-wales"),
                                             (5, "bedfordshire"), (5, "cumbria")])
def test_streamed_json_is_the_whole_dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         chunk: int, area: str | None) -> None:
    spec = CohortSpec(("south-wales", "bedfordshire", "kent"), 40, seed=3)
    write_cohort(spec, CONFIG, tmp_path)
    with open(tmp_path / "events.jsonl", encoding="utf-8") as fh:
        events = accept_lines(read_lines(fh, CONFIG.vocabulary, "jsonl"))
    monkeypatch.setattr(engine.check, "CHUNK_CASES", chunk)
    rules = CONFIG.rules()
    whole = check(rules, events, spec.as_of, area, CONFIG.templates)
    want = json.dumps(whole.to_json(), ensure_ascii=False, indent=1) + "\n"
    out = io.StringIO()
    totals = write_json(Check(rules, events, spec.as_of, area, CONFIG.templates), out)
    assert out.getvalue() == want
    assert sum(totals.values()) == sum(1 for _ in whole.instances())
    if area is None:
        assert whole.area_instances and len(whole.cases) > chunk or chunk == 1000
    if area == "cumbria":  # no case there, and no overlay
        assert want.endswith('"cases": [],\n "area_instances": []\n}\n')


def test_streamed_json_of_nothing(tmp_path: Path) -> None:
    as_of = parse_timestamp("2026-03-10T12:00:00+00:00")
    whole = check(CONFIG.rules(), [], as_of, None, CONFIG.templates)
    out = io.StringIO()
    write_json(Check(CONFIG.rules(), [], as_of, None, CONFIG.templates), out)
    assert out.getvalue() == json.dumps(whole.to_json(), ensure_ascii=False, indent=1) + "\n"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(JSON, st.sampled_from(["", " ", "  "]))
def test_indented_text_is_the_librarys(obj: object, pad: str) -> None:
    out = [pad]
    indented(obj, pad, out)
    assert "".join(out) == pad + json.dumps(obj, ensure_ascii=False, indent=1).replace(
        "\n", "\n" + pad)
