"""The YAML loader keeps positions and never crashes on bad input."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine.config import ConfigSet, build_overlay_text, load_config
from engine.config.loader import dotted, parse
from tests.config.configkit import HEADER, ROOT, TODAY

CONFIG: ConfigSet = load_config(ROOT / "area_configs", today=TODAY)


def test_positions_of_keys_values_and_list_items() -> None:
    doc = parse("a:\n  b: {c: [1, {d: x}]}\n  e:\n    - f\n", "t.yaml")
    assert doc.locate(("a", "b", "c", 1, "d"), at="key") == (["a", "b", "c", 1, "d"], 2, 15)
    assert doc.locate(("a", "b", "c", 1, "d")) == (["a", "b", "c", 1, "d"], 2, 18)
    assert doc.locate(("a", "e", 0)) == (["a", "e", 0], 4, 7)
    # A missing key is named and placed at its parent; names that are not keys are skipped.
    assert doc.locate(("a", "b", "Comparison", "zz")) == (["a", "b", "zz"], 2, 6)
    assert dotted(["steps", "x", "trigger", 0, "type"]) == "steps.x.trigger[0].type"


def test_every_duplicate_key_is_reported_with_both_lines() -> None:
    doc = parse("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "t.yaml")
    assert [p.render() for p in doc.problems] == [
        't.yaml:4:3: error: b.c: duplicate key "c" (first given at line 3) (allowed: each key '
        "once per mapping)",
        't.yaml:5:1: error: a: duplicate key "a" (first given at line 1) (allowed: each key '
        "once per mapping)"]


def test_a_file_that_is_not_a_mapping() -> None:
    doc = parse("- a\n- b\n", "t.yaml")
    assert [p.render() for p in doc.problems] == [
        "t.yaml:1:1: error: the file must be a mapping of fields (allowed: key: value lines)"]


def test_an_overlay_may_not_use_anchors_or_aliases() -> None:
    built = build_overlay_text(CONFIG, HEADER + "x: &m {team: a, mailbox: b@c}\n", "essex.yaml",
                               today=TODAY, stem="essex")
    assert [p.render() for p in built.problems] == [
        "essex.yaml:11:4: error: invalid YAML: anchors and aliases (&name, *name) are not "
        "allowed here; write the value out"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:{}[]-,'\"&*!#\n 12.")), max_size=80))
@example("[]:")  # a list as a mapping key once raised TypeError
@example("{a: 1}: 2")
def test_any_text_gives_problems_not_exceptions(text: str) -> None:
    built = build_overlay_text(CONFIG, text, "fuzz.yaml", today=TODAY)
    assert built.template is None
    assert built.problems
    assert all(p.file == "fuzz.yaml" for p in built.problems)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=len(HEADER) - 1), st.integers(min_value=1, max_value=15))
def test_a_damaged_overlay_gives_problems_not_exceptions(at: int, length: int) -> None:
    text = HEADER[:at] + HEADER[at + length:]
    built = build_overlay_text(CONFIG, text, "essex.yaml", today=TODAY, stem="essex")
    assert (built.template is None) == bool([p for p in built.problems if p.severity == "error"])
