"""`liaison config`: validate, show, diff, compare, schema (issue 2 item 6)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from engine.config.schema import overlay_schema_text
from tests.config.configkit import HEADER, ROOT

runner = CliRunner()
CONFIGS = str(ROOT / "area_configs")
OVERLAY_AREAS = ["devon-and-cornwall", "greater-manchester", "kent", "lancashire",
                 "northumbria", "south-wales", "west-yorkshire"]


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_the_shipped_configs_validate_with_warnings_only() -> None:
    code, out = run("config", "validate", CONFIGS, "--today", "2026-11-28")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (f"{CONFIGS}/areas/lancashire.yaml:20:16: warning: "
                        "steps.police_vrr_acknowledge.derogation.expires: derogation expired on "
                        "2026-09-30; the loosening it allowed is listed in national reports "
                        "(allowed: renew the derogation or restore the national rule)")
    assert lines[1].startswith(f"{CONFIGS}/national/areas.yaml: warning: 36 areas have no "
                               "overlay and are evaluated against the national framework alone; "
                               "their SPOCs are unknown: avon-and-somerset, bedfordshire, ")
    assert lines[2] == ("0 errors, 2 warnings (one lists the 36 areas with no overlay); "
                        "7 overlays and 3 mappings checked against the national framework 2026.1")


def test_loosening_without_derogation_exits_2_with_file_and_line(
        config_tree: Callable[[dict[str, str]], Path]) -> None:
    root = config_tree({"essex": HEADER + "steps:\n  police_inform_nfa:\n"
                                          "    deadline: {within: 3, unit: working_days}\n"})
    liaison = str(Path(sys.executable).parent / "liaison")
    proc = subprocess.run([liaison, "config", "validate", str(root)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith(f"{root}/areas/essex.yaml:13:15: error: steps.police_inform_nfa."
                            'deadline: loosens the minimum step "police_inform_nfa": deadline 3 '
                            "working days instead of the national 1 working day is later")
    assert proc.stdout.splitlines()[-1].startswith("1 error, ")


def test_validate_accepts_single_overlay_files(config_tree: Callable[[dict[str, str]], Path]
                                              ) -> None:
    root = config_tree({"essex": HEADER, "kent": HEADER.replace("essex", "kent")})
    code, out = run("config", "validate", str(root / "areas" / "essex.yaml"))
    assert (code, out) == (0, "0 errors, 0 warnings; 1 overlay checked against the national "
                              "framework 2026.1\n")
    code, out = run("config", "validate", str(root / "areas" / "kent.yaml"))
    assert code == 2
    assert out.splitlines()[0] == (
        f"{root}/areas/kent.yaml:3:11: error: cps_area: kent is not in CPS Area "
        '"east-of-england" (allowed: south-east)')


def test_validate_a_missing_path_is_bad_input() -> None:
    code, out = run("config", "validate", "no/such/dir")
    assert code == 2
    assert "no/such/dir: no such file or directory" in out


def test_compare_lists_every_overlay_area_and_every_national_step() -> None:
    code, out = run("config", "compare", "--config-dir", CONFIGS, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["step", *OVERLAY_AREAS]
    national = [s.id for s in __import__("engine.config", fromlist=["load_config"])
                .load_config(Path(CONFIGS)).national.steps]
    assert [r[0] for r in rows[1:]] == [*national, "welsh_language_respected"]
    cells = {r[0]: dict(zip(OVERLAY_AREAS, r[1:], strict=True)) for r in rows[1:]}
    assert cells["police_inform_arrest"]["greater-manchester"] == "tightened"
    assert cells["wcu_inform_hearing"]["kent"] == "loosened"
    assert cells["cps_offer_pre_trial_meeting"]["northumbria"] == "disabled"
    assert cells["police_regular_update"]["west-yorkshire"] == "tightened"
    assert cells["welsh_language_respected"]["south-wales"] == "local"
    assert cells["welsh_language_respected"]["kent"] == ""
    assert cells["scrutiny_group_meets"]["lancashire"] == "tightened"
    assert cells["police_needs_assessment"]["devon-and-cornwall"] == "inherited"


def test_compare_json_lists_derogations_and_expiry() -> None:
    code, out = run("config", "compare", "--config-dir", CONFIGS, "--format", "json",
                    "--today", "2026-11-28")
    assert code == 0
    doc = json.loads(out)
    assert doc["areas"] == OVERLAY_AREAS
    assert [(d["area"], d["step"], d["status"], d["expired"]) for d in doc["derogations"]] == [
        ("kent", "wcu_inform_hearing", "loosened", False),
        ("lancashire", "police_vrr_acknowledge", "loosened", True),
        ("northumbria", "cps_offer_pre_trial_meeting", "disabled", False)]
    assert doc["extra_non_working_days"] == {"devon-and-cornwall": ["2027-03-05", "2028-03-06"]}


def test_compare_table_shows_the_legend() -> None:
    code, out = run("config", "compare", "--config-dir", CONFIGS)
    assert code == 0
    assert "police_inform_arrest" in out and "welsh_language_respected" in out
    assert "LOOSE loosened under a derogation" in out


def test_diff_classifies_each_step() -> None:
    code, out = run("config", "diff", "kent", "--config-dir", CONFIGS, "--format", "json")
    assert code == 0
    steps = {s["step"]: s for s in json.loads(out)["steps"]}
    assert len(steps) == 25
    assert steps["wcu_inform_hearing"]["status"] == "loosened under derogation"
    assert steps["wcu_inform_hearing"]["derogation"] == {
        "justification": "Court listings reach the witness care unit a day late in this area.",
        "approved_by": "National RASSO lead", "expires": "2026-12-31"}
    assert steps["police_inform_arrest"] == {"step": "police_inform_arrest",
                                             "status": "unchanged", "changes": [],
                                             "derogation": None}
    assert json.loads(out)["extra_non_working_days"] == []
    code, out = run("config", "diff", "devon-and-cornwall", "--config-dir", CONFIGS,
                    "--format", "json")
    assert json.loads(out)["extra_non_working_days"] == ["2027-03-05", "2028-03-06"]
    code, out = run("config", "diff", "south-wales", "--config-dir", CONFIGS, "--format", "json")
    assert json.loads(out)["steps"][-1]["status"] == "local"
    code, out = run("config", "diff", "northumbria", "--config-dir", CONFIGS, "--format", "json")
    statuses = {s["step"]: s["status"] for s in json.loads(out)["steps"]}
    assert statuses["cps_offer_pre_trial_meeting"] == "disabled"
    code, out = run("config", "diff", "greater-manchester", "--config-dir", CONFIGS,
                    "--format", "json")
    arrest = {s["step"]: s for s in json.loads(out)["steps"]}["police_inform_arrest"]
    assert arrest["status"] == "tightened"
    assert arrest["changes"] == [{"field": "deadline", "verdict": "tighter", "detail": (
        "deadline 24 hours instead of the national 1 working day is never later and "
        "sometimes earlier")}]


def test_show_prints_each_field_with_its_provenance() -> None:
    code, out = run("config", "show", "greater-manchester", "--config-dir", CONFIGS,
                    "--format", "json")
    assert code == 0
    doc = json.loads(out)
    arrest = next(s for s in doc["steps"] if s["id"] == "police_inform_arrest")
    assert arrest["fields"]["deadline"] == {
        "value": {"within": 24, "unit": "hours"},
        "from": f"{CONFIGS}/areas/greater-manchester.yaml:16"}
    assert arrest["fields"]["satisfied_by"]["from"] == f"{CONFIGS}/national/framework.yaml:75"
    code, out = run("config", "show", "kent", "--config-dir", CONFIGS, "--format", "yaml")
    assert code == 0 and "from: " in out
    code, out = run("config", "show", "kent", "--config-dir", CONFIGS)
    assert code == 0 and "wcu_inform_hearing" in out


def test_show_an_unknown_area_is_bad_input() -> None:
    code, out = run("config", "show", "kentt", "--config-dir", CONFIGS)
    assert code == 2
    assert 'error: area "kentt" is not in the register (did you mean "kent"?)' in out


def test_schema_is_current_and_committed() -> None:
    committed = (ROOT / "area_configs" / "overlay.schema.json").read_text(encoding="utf-8")
    assert committed == overlay_schema_text(), "regenerate with: liaison config schema"
    code, out = run("config", "schema")
    assert code == 0 and out == committed


def test_the_shipped_overlays_satisfy_the_schema() -> None:
    import jsonschema
    from ruamel.yaml import YAML

    schema = json.loads(overlay_schema_text())
    for path in sorted((ROOT / "area_configs" / "areas").glob("*.yaml")):
        doc = json.loads(json.dumps(YAML(typ="safe").load(path.read_text()), default=str))
        jsonschema.validate(doc, schema)
    bad = json.loads(json.dumps({"area": "kent", "steps": {"x": {"deadlin": 1}}}))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
    assert errors


def test_every_shipped_overlay_says_it_is_illustrative() -> None:
    for path in sorted((ROOT / "area_configs" / "areas").glob("*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# ILLUSTRATIVE EXAMPLE ONLY: this is not "), path
        assert "real policy" in path.read_text().split("\n\n")[0] or "real policy" in first
