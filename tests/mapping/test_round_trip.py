"""The decisive test of the mappings: a simulated cohort written as the three example
extracts and mapped back gives the simulator's events (up to ids), and `check` on them
gives the same verdicts as `check` on the simulator's events."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from engine.check import accept_lines, check
from engine.config import load_config
from engine.event_lines import read_lines
from engine.events import Event
from engine.mapping import Mapper, map_files
from engine.mapping.extracts import EXAMPLES, write_examples
from engine.simulate import CohortSpec, resolve_areas, write_cohort
from tests.mapping.kit import CONFIGS, KEY, mapper

PREFIX = "RS-"
SIM_ID = re.compile(r"\b[A-Z]{2,3}-(?:\d{2}-\d{6}(?:-\d{4})?|SG-\d{4})\b")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    config = load_config(CONFIGS)
    out = tmp_path_factory.mktemp("cohort")
    spec = CohortSpec(resolve_areas("overlays", config), 400, 17)
    write_cohort(spec, config, out / "sim", workers=1)
    with (out / "sim" / "events.jsonl").open(encoding="utf-8") as fh:
        simulated = accept_lines(read_lines(fh, config.vocabulary, "jsonl"))
    paths = write_examples(simulated, config.national_parts, CONFIGS, out / "extracts")
    mappers = [mapper(name) for name in EXAMPLES]
    buf = io.StringIO()
    reports = [r for m, p in zip(mappers, paths, strict=True) for r in map_files(m, [str(p)], buf)]
    (out / "mapped.jsonl").write_text(buf.getvalue(), encoding="utf-8")
    with (out / "mapped.jsonl").open(encoding="utf-8") as fh:
        mapped = accept_lines(read_lines(fh, config.vocabulary, "jsonl"))
    return {"config": config, "spec": spec, "simulated": simulated, "mapped": mapped,
            "reports": reports, "paths": paths, "mappers": mappers}


def _body(e: Event, case_id: str | None) -> tuple[Any, ...]:
    return (case_id, e.area, e.type, e.at.timestamp(), e.source,
            json.dumps(e.data, sort_keys=True))


def test_every_simulated_event_comes_back_up_to_ids(cohort: dict[str, Any]) -> None:
    simulated: list[Event] = cohort["simulated"]
    assert [p.name for p in cohort["paths"]] == [
        "example-isva-referrals.xlsx", "example-police-rms.csv", "example-cps-cms.csv"]
    assert all(r.rejected == 0 and r.skipped == 0 and r.duplicate == 0
               for r in cohort["reports"])
    assert sum(r.events for r in cohort["reports"]) == len(simulated)
    expected = Counter(_body(e, e.case_id and KEY.case_id(e.case_id, PREFIX)) for e in simulated)
    got = Counter(_body(e, e.case_id) for e in cohort["mapped"])
    assert got == expected
    # each extract carries its own agencies' events
    sources = [{e.source for e in cohort["mapped"] if e.event_id.startswith(name + ":")}
               for name in EXAMPLES]
    assert sources == [{"isva"}, {"police"}, {"cps", "court", "wcu"}]


def _translation(cohort: dict[str, Any]) -> dict[str, str]:
    """Simulator ids -> mapped ids: case ids by the key, event ids by the row key (the
    simulator's event id is the row's reference in its extract)."""
    mapped_ids = {e.event_id for e in cohort["mapped"]}
    out: dict[str, str] = {}
    for e in cohort["simulated"]:
        mappers: list[Mapper] = cohort["mappers"]
        candidates = [m.event_id({c: e.event_id for c in m.m.row_key}, e.type) for m in mappers]
        [out[e.event_id]] = [c for c in candidates if c in mapped_ids]
        if e.case_id is not None:
            out[e.case_id] = KEY.case_id(e.case_id, PREFIX)
    return out


def test_check_on_mapped_extracts_equals_check_on_the_simulation(
        cohort: dict[str, Any]) -> None:
    config, spec = cohort["config"], cohort["spec"]
    rules, overlays = config.rules(), config.overlay_files
    direct = check(rules, cohort["simulated"], spec.as_of, None, overlays).to_json()
    via_extracts = check(rules, cohort["mapped"], spec.as_of, None, overlays).to_json()
    ids = _translation(cohort)
    translated = json.loads(SIM_ID.sub(lambda m: ids[m.group(0)], json.dumps(direct)))
    translated["cases"].sort(key=lambda c: c["case_id"])
    assert len(translated["cases"]) == 400
    assert sum(len(c["instances"]) for c in translated["cases"]) > 4000
    assert translated == via_extracts



def test_both_instants_of_the_repeated_hour_survive_the_extracts(tmp_path: Path) -> None:
    """No simulated event may fall in the hour the clocks go back twice; these do."""
    config = load_config(CONFIGS)
    events = []
    for k, (utc, etype, source) in enumerate([
            ("2026-10-25T00:30:00+00:00", "police.suspect_arrested", "police"),  # 01:30 BST
            ("2026-10-25T01:30:00+00:00", "police.suspect_interviewed", "police"),  # 01:30 GMT
            ("2026-10-25T00:45:00+00:00", "isva.assigned", "isva"),
            ("2026-10-25T01:45:00+00:00", "cps.early_advice_given", "cps")]):
        line = json.dumps({"event_id": f"KE-26-000001-{k:04d}", "case_id": "KE-26-000001",
                           "area": "kent", "type": etype, "at": utc, "source": source,
                           "data": {}})
        events.append(accept_lines(read_lines(io.StringIO(line), config.vocabulary, "jsonl"))[0])
    paths = write_examples(events, config.national_parts, CONFIGS, tmp_path)
    police = paths[1].read_text(encoding="cp1252").splitlines()
    assert [row.split(",")[4] for row in police[1:]] == ["25/10/2026 01:30",
                                                         "25/10/2026 01:30 +0000"]
    buf = io.StringIO()
    for name, path in zip(EXAMPLES, paths, strict=True):
        map_files(mapper(name), [str(path)], buf)
    mapped = sorted((json.loads(line) for line in buf.getvalue().splitlines()),
                    key=lambda e: e["type"])
    assert [(e["type"], e["at"]) for e in mapped] == [
        ("cps.early_advice_given", "2026-10-25T01:45:00+00:00"),
        ("isva.assigned", "2026-10-25T01:45:00+01:00"),
        ("police.suspect_arrested", "2026-10-25T01:30:00+01:00"),
        ("police.suspect_interviewed", "2026-10-25T01:30:00+00:00")]
