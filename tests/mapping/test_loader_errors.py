"""Every mapping-file error, asserted by exact message and file:line:col."""
# ruff: noqa: E501  (a table of exact messages: one message per line reads best)

from __future__ import annotations

from pathlib import Path

import pytest

from engine.mapping import load_mapping
from tests.mapping.kit import national

BASE = """\
description: test mapping
system: test-rms
format: {type: csv, delimiter: ",", encoding: cp1252}
row_key: [Ref]
case_id: {column: Crime No, prefix: T-}
area: {column: Force, map: register}
source: {value: police}
timestamps:
  formats: ["%d/%m/%Y %H:%M"]
events:
  - type: {column: Code, map: codes}
    at: {column: When}
    data:
      topic: {column: Topic, map: topics}
value_maps:
  codes: {"VUP": complainant.informed, "NOTE": null}
  topics: {"NFA - Evidential": police_nfa}
"""

CASES = {
    "ok": BASE,
    "type_map": BASE.replace('"VUP": complainant.informed', '"VUP": complainant.infromed'),
    "topic_target": BASE.replace("police_nfa}", "police_nfaa}"),
    "unknown_map": BASE.replace("map: topics", "map: topic"),
    "unknown_field": BASE.replace("      topic: {column", "      topik: {column"),
    "both": BASE.replace("source: {value: police}", "source: {value: police, column: Agency}"),
    "bad_source": BASE.replace("source: {value: police}", "source: {value: polise}"),
    "bad_area": BASE.replace("area: {column: Force, map: register}", "area: {value: kentt}"),
    "tz": BASE.replace('  formats: ["%d/%m/%Y %H:%M"]', '  formats: ["%d/%m/%Y %H:%M"]\n  timezone: Europe/Londres'),
    "fmt": BASE.replace('"%d/%m/%Y %H:%M"', '"%d/%m/%Y %Q"'),
    "enc": BASE.replace("cp1252", "cp9999"),
    "sheet": BASE.replace('format: {type: csv, delimiter: ",", encoding: cp1252}', "format: {type: xlsx, sheet: S, delimiter: ';'}"),
    "key_in_yaml": BASE.replace("case_id: {column: Crime No, prefix: T-}", "case_id: {column: Crime No, prefix: T-, key: s3cret}"),
    "dup": BASE + "system: again\n",
    "missing": BASE.replace("system: test-rms\n", ""),
    "ambig": BASE.replace('  formats: ["%d/%m/%Y %H:%M"]', '  formats: ["%d/%m/%Y %H:%M"]\n  ambiguous: first'),
    "dateonly": BASE.replace('  formats: ["%d/%m/%Y %H:%M"]', '  formats: ["%d/%m/%Y %H:%M"]\n  date_only: start_of_day'),
    "at_value": BASE.replace("at: {column: When}", "at: {value: now}"),
    "syntax": BASE.replace("events:", "events: [\n"),
    "alias": BASE.replace("  codes: {", "  codes: &c {").replace(
        '  topics: {"NFA - Evidential": police_nfa}', "  topics: *c"),
}


EXPECTED = {
    'type_map': [
        '16:18: error: value_maps.codes.VUP: "complainant.infromed" is not allowed for events[0].type (did you mean "complainant.informed"?) (allowed: an event type of the vocabulary)',
    ],
    'topic_target': [
        '17:32: error: value_maps.topics.NFA - Evidential: "police_nfaa" is not allowed for events[0].data.topic (did you mean "police_nfa"?) (allowed: arrest | interview | release | bail | police_nfa | charge_decision | cps_decision | hearing | trial_date | outcome | sentence | update | vrr)',
    ],
    'unknown_map': [
        '14:35: error: events[0].data.topic.map: no value map "topic" (did you mean "topics"?) (allowed: codes, topics, register)',
    ],
    'unknown_field': [
        '14:7: error: events[0].data.topik: no event type of this rule has a field "topik" (did you mean "topic"?) (allowed: channel, language, topic, via_isva)',
    ],
    'both': [
        '7:9: error: source: give either column or value (allowed: {column: NAME} | {value: VALUE})',
    ],
    'bad_source': [
        '7:17: error: source.value: "polise" is not allowed (did you mean "police"?) (allowed: court | cps | isva | police | probation | wcu)',
    ],
    'bad_area': [
        '6:15: error: area.value: "kentt" is not allowed (did you mean "kent"?) (allowed: a police force area id from the register)',
    ],
    'tz': [
        '10:13: error: timestamps.timezone: "Europe/Londres" is not a time zone (allowed: an IANA name such as Europe/London)',
    ],
    'fmt': [
        '9:13: error: timestamps.formats[0]: "%d/%m/%Y %Q" is not a usable format (allowed: strptime directives such as %d/%m/%Y %H:%M)',
    ],
    'enc': [
        '3:47: error: format.encoding: "cp9999" is not an encoding (allowed: a codec name such as utf-8, utf-8-sig or cp1252)',
    ],
    'sheet': [
        '3:32: error: format.delimiter: "delimiter" is for CSV files only (allowed: sheet)',
    ],
    'key_in_yaml': [
        '5:41: error: case_id.key: unknown field "key" (allowed: column, pseudonymise, prefix)',
    ],
    'dup': [
        '18:1: error: system: duplicate key "system" (first given at line 2) (allowed: each key once per mapping)',
    ],
    'missing': [
        '1:1: error: system: required field "system" is missing',
    ],
    'ambig': [
        '10:14: error: timestamps.ambiguous: "first" is not allowed (allowed: earlier | later | reject)',
    ],
    'dateonly': [
        '10:14: error: timestamps.date_only: date_only start_of_day needs date_formats (allowed: date_only: reject, or date_formats: [...])',
    ],
    'at_value': [
        '12:9: error: events[0].at: the instant must come from a column (allowed: {column: NAME})',
    ],
    'alias': [
        '16:10: error: invalid YAML: anchors and aliases (&name, *name) are not allowed here; write the value out',
    ],
    'syntax': [
        "12:3: error: invalid YAML: expected the node content, but found '-' (while parsing a flow node at line 12)",
    ],
}


def problems(tmp_path: Path, name: str) -> list[str]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(CASES[name], encoding="utf-8")
    loaded = load_mapping(path, national())
    return [p.render().removeprefix(f"{tmp_path}/{name}.yaml:") for p in loaded.problems]


def test_the_base_mapping_is_valid(tmp_path: Path) -> None:
    assert problems(tmp_path, "ok") == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_mapping_error(tmp_path: Path, name: str) -> None:
    assert problems(tmp_path, name) == EXPECTED[name]
