"""Merging overlays onto the national framework (contract §6): properties and the resolved
template's identity, order and provenance."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.calendar import LONDON
from engine.config import ConfigSet, build_overlay_text, build_template, load_config
from engine.rules import BEGINNING
from engine.spec import DeadlineStep, RecurringStep
from tests.config.configkit import HEADER, ROOT, TODAY

CONFIG: ConfigSet = load_config(ROOT / "area_configs", today=TODAY)
NATIONAL_IDS = [s.id for s in CONFIG.national.steps]


def _edits(sid: str) -> list[tuple[str, str]]:
    """Changes that never loosen the floor, as (field, YAML flow value)."""
    step = CONFIG.national_parts.step(sid)
    out = [("severity", "critical"), ("title", f"Local wording for {sid}")]
    if isinstance(step, DeadlineStep):
        out.append(("deadline", "{within: 1, unit: hours}"))
    if isinstance(step, RecurringStep):
        out.append(("every", "{days: 7}"))
    return out


@st.composite
def overlays(draw: st.DrawFn) -> list[tuple[str, list[tuple[str, str]]]]:
    ids = draw(st.lists(st.sampled_from(NATIONAL_IDS), unique=True, max_size=6))
    out = []
    for sid in ids:
        fields = draw(st.lists(st.sampled_from(_edits(sid)), unique_by=lambda e: e[0],
                               min_size=1))
        out.append((sid, fields))
    return out


def _text(changes: list[tuple[str, list[tuple[str, str]]]]) -> str:
    if not changes:
        return HEADER
    lines = [HEADER.rstrip("\n"), "steps:"]
    for sid, fields in changes:
        lines.append(f"  {sid}:")
        lines += [f"    {f}: {v}" for f, v in fields]
    return "\n".join(lines) + "\n"


def test_an_empty_overlay_resolves_to_the_national_framework() -> None:
    tpl = build_template(CONFIG, HEADER, "essex.yaml", today=TODAY, stem="essex")
    assert tpl.steps == CONFIG.national.steps
    assert tpl.provenance == CONFIG.national.provenance
    assert tpl.has_overlay is True
    assert tpl.version == "2026.1+essex." + hashlib.sha256(HEADER.encode()).hexdigest()[:12]
    assert tpl.effective_from == datetime(2026, 4, 1, tzinfo=LONDON)


def test_the_national_template() -> None:
    nat = CONFIG.national
    assert (nat.area, nat.version, nat.framework_version, nat.effective_from) == (
        "national", "2026.1", "2026.1", BEGINNING)
    assert len(nat.steps) == 25 and nat.has_overlay is False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlays(), st.randoms(use_true_random=False))
def test_merging_is_by_id_and_independent_of_the_order_of_distinct_ids(
        changes: list[tuple[str, list[tuple[str, str]]]], rnd: object) -> None:
    shuffled = list(changes)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a = build_template(CONFIG, _text(changes), "essex.yaml", today=TODAY)
    b = build_template(CONFIG, _text(shuffled), "essex.yaml", today=TODAY)
    assert a.steps == b.steps
    assert [s.id for s in a.steps] == NATIONAL_IDS  # national order whatever the overlay's
    changed = dict(changes)
    for step in a.steps:
        national = CONFIG.national_parts.step(step.id)
        assert national is not None
        edits = dict(changed.get(step.id, []))
        for name in type(step).model_fields:
            if name not in edits:
                assert getattr(step, name) == getattr(national, name), (step.id, name)
        if "severity" in edits:
            assert step.severity.value == "critical"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlays())
def test_provenance_points_at_the_line_that_set_each_field(
        changes: list[tuple[str, list[tuple[str, str]]]]) -> None:
    text = _text(changes)
    tpl = build_template(CONFIG, text, "essex.yaml", today=TODAY)
    lines = text.splitlines()
    for sid, fields in changes:
        start = lines.index(f"  {sid}:")
        for f, _ in fields:
            expected = next(i for i in range(start + 1, len(lines))
                            if lines[i].startswith(f"    {f}:")) + 1
            assert str(tpl.provenance[sid][f]) == f"essex.yaml:{expected}"
    changed = {sid: {f for f, _ in fields} for sid, fields in changes}
    for sid, prov in tpl.provenance.items():
        for f, p in prov.items():
            if f not in changed.get(sid, set()):
                assert p == CONFIG.national.provenance[sid][f]
                assert p.file.endswith("national/framework.yaml")


def test_national_provenance_names_the_framework_line() -> None:
    prov = CONFIG.national.provenance["police_inform_arrest"]
    lines = (ROOT / "area_configs/national/framework.yaml").read_text().splitlines()
    assert lines[prov["deadline"].line - 1].strip() == "deadline: {within: 1, unit: working_days}"
    assert lines[prov["id"].line - 1].strip() == "- id: police_inform_arrest"


def test_local_steps_are_appended_in_overlay_order_and_disabled_steps_removed() -> None:
    tpl = CONFIG.templates["south-wales"]
    assert [s.id for s in tpl.steps] == [*NATIONAL_IDS, "welsh_language_respected"]
    assert tpl.steps[-1].local is True
    north = CONFIG.templates["northumbria"]
    assert "cps_offer_pre_trial_meeting" not in [s.id for s in north.steps]
    assert north.derogations["cps_offer_pre_trial_meeting"].expires == date(2027, 3, 31)
    assert "cps_offer_pre_trial_meeting" not in north.provenance


def test_overlay_template_fields() -> None:
    kent = CONFIG.templates["kent"]
    text = (ROOT / "area_configs/areas/kent.yaml").read_text()
    assert kent.version == "2026.1+kent." + hashlib.sha256(text.encode()).hexdigest()[:12]
    assert kent.derogations["wcu_inform_hearing"].approved_by == "National RASSO lead"
    assert str(kent.provenance["wcu_inform_hearing"]["deadline"]) == (
        "area_configs/areas/kent.yaml:16".replace("area_configs", str(ROOT / "area_configs")))
    devon = CONFIG.templates["devon-and-cornwall"]
    assert devon.extra_non_working_days == frozenset({date(2027, 3, 5), date(2028, 3, 6)})


def test_history_and_rules() -> None:
    history = CONFIG.history("kent")
    assert [t.version for t in history.templates] == ["2026.1", CONFIG.templates["kent"].version]
    assert history.at(datetime(2026, 3, 31, 23, 59, tzinfo=LONDON)).area == "national"
    assert history.at(datetime(2026, 4, 1, 0, 0, tzinfo=LONDON)).area == "kent"
    rules = CONFIG.rules()
    assert rules.history("essex").latest is CONFIG.national
    assert rules.history("kent").latest == CONFIG.templates["kent"]
    assert rules.stages == CONFIG.stages


def test_build_overlay_collects_problems_without_raising() -> None:
    built = build_overlay_text(CONFIG, HEADER.replace("essex", "nowhere"), "nowhere.yaml",
                               today=TODAY)
    assert built.template is None
    assert [p.render() for p in built.problems] == [
        'nowhere.yaml:1:7: error: area: area "nowhere" is not in the register (allowed: a '
        "police force area id from area_configs/national/areas.yaml)"]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(CONFIG.register)),
       st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_an_empty_overlay_for_any_area_and_date_resolves_to_national(area: str, day: date
                                                                    ) -> None:
    cps = list(CONFIG.register[area].cps_areas)
    text = (HEADER.replace("area: essex", f"area: {area}")
            .replace("cps_area: east-of-england", f"cps_area: [{', '.join(cps)}]")
            .replace("effective_from: 2026-04-01", f"effective_from: {day.isoformat()}"))
    tpl = build_template(CONFIG, text, f"{area}.yaml", today=TODAY, stem=area)
    assert tpl.steps == CONFIG.national.steps
    assert tpl.provenance == CONFIG.national.provenance
    assert tpl.effective_from == datetime(day.year, day.month, day.day, tzinfo=LONDON)
    assert tpl.area == area
