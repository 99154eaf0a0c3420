"""The national framework: register, stages, vocabulary and the 25 steps (contract §5).

The national files are configuration like any other: they are validated with the same
positions and messages as overlays, so a mistake in them is reported, not crashed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.config.loader import Document, PathElem, read, to_plain
from engine.config.names import Names, check_matcher, check_step
from engine.config.problems import from_validation, show
from engine.errors import ConfigProblem
from engine.rules import BEGINNING
from engine.spec import (
    AnyStep,
    DeadlineStep,
    ProhibitionStep,
    Provenance,
    RecurringStep,
    StageRule,
    Template,
)
from engine.vocabulary import Vocabulary, did_you_mean, load_vocabulary

STEP_KINDS: dict[str, type[DeadlineStep] | type[RecurringStep] | type[ProhibitionStep]] = {
    "deadline": DeadlineStep, "recurring": RecurringStep, "prohibition": ProhibitionStep}


@dataclass(frozen=True)
class AreaInfo:
    """One police force area of the register and its CPS Area(s)."""

    id: str
    name: str
    cps_areas: tuple[str, ...]
    line: int | None = None


@dataclass
class National:
    """The national files, validated, with the documents kept for positions."""

    dir: Path
    framework_version: str
    vocabulary: Vocabulary
    register: dict[str, AreaInfo]
    cps_areas: dict[str, str]
    stages: tuple[StageRule, ...]
    steps: tuple[AnyStep, ...]
    raw_steps: dict[str, dict[str, Any]]
    step_paths: dict[str, tuple[PathElem, ...]]
    framework: Document
    register_doc: Document
    template: Template
    problems: list[ConfigProblem] = field(default_factory=list)
    derogation_max_days: int = 366  # framework.yaml `derogations.max_days`
    approvers: tuple[str, ...] = ()  # framework.yaml `derogations.approvers`

    @property
    def names(self) -> Names:
        return Names(self.vocabulary, tuple(s.id for s in self.stages),
                     frozenset(self.register))

    def step(self, step_id: str) -> AnyStep | None:
        for s in self.steps:
            if s.id == step_id:
                return s
        return None


def validate_step(doc: Document, path: tuple[PathElem, ...], raw: Any,
                  place: Any = None) -> tuple[AnyStep | None, list[ConfigProblem]]:
    """Validate one step mapping by its `kind` (no union tags in the error paths)."""
    if not isinstance(raw, dict):
        return None, [doc.problem(path, f"expected a mapping, got {show(raw)}",
                                  "a step: id, kind, title, ...")]
    kind = raw.get("kind")
    cls = STEP_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        if kind is None:
            return None, [doc.problem((*path, "kind"), 'required field "kind" is missing',
                                      " | ".join(STEP_KINDS), at="key")]
        return None, [doc.problem((*path, "kind"), f"{show(kind)} is not a step kind"
                                  f"{did_you_mean(str(kind), STEP_KINDS)}", " | ".join(STEP_KINDS))]
    try:
        return cls.model_validate(raw), []
    except ValidationError as e:
        placer = place or (lambda loc: (doc, path))
        return None, from_validation(e, cls, placer)


def provenance_of(doc: Document, path: tuple[PathElem, ...], step: AnyStep
                  ) -> dict[str, Provenance]:
    """Each field of `step` at its line in `doc` (defaults: the step's own line)."""
    step_line = doc.locate(path, at="value")[1]
    out: dict[str, Provenance] = {}
    for name in type(step).model_fields:
        key = "not" if name == "not_" else name
        line = doc.line_of((*path, key))
        out[name] = Provenance(file=doc.file, line=line if line is not None else step_line)
    return out


_CACHE: dict[tuple[str, tuple[bytes, ...]], National] = {}
_FILES = ("areas.yaml", "events.yaml", "stages.yaml", "framework.yaml")


def load_national(directory: Path) -> National:
    """Read `directory` (area_configs/national); problems are collected, not raised.

    Parsing YAML with positions is the slow part of building a config, and the national
    files rarely change within a process, so results are cached by the files' content.
    """
    try:
        key = (str(directory), tuple((directory / f).read_bytes() for f in _FILES))
    except OSError:
        return _load_national(directory)
    hit = _CACHE.get(key)
    if hit is None:
        hit = _CACHE[key] = _load_national(directory)
    return hit


def _load_national(directory: Path) -> National:
    problems: list[ConfigProblem] = []
    register_doc = read(directory / "areas.yaml", aliases=True)
    problems += register_doc.problems
    cps_areas, register = _register(register_doc, problems)
    vocabulary = load_vocabulary(directory / "events.yaml", frozenset(register))
    stages_doc = read(directory / "stages.yaml", aliases=True)
    problems += stages_doc.problems
    names_stub = Names(vocabulary, (), frozenset(register))
    stages = _stages(stages_doc, names_stub, problems)
    names = Names(vocabulary, tuple(s.id for s in stages), frozenset(register))
    framework = read(directory / "framework.yaml", aliases=True)
    problems += framework.problems
    version = framework.get(("framework_version",))
    if not isinstance(version, str) or not version:
        problems.append(framework.problem(("framework_version",),
                                          "the framework version must be text such as \"2026.1\"",
                                          'a quoted version such as "2026.1"'))
        version = "unknown"
    steps: list[AnyStep] = []
    raw_steps: dict[str, dict[str, Any]] = {}
    paths: dict[str, tuple[PathElem, ...]] = {}
    provenance: dict[str, dict[str, Provenance]] = {}
    raw_list = framework.get(("steps",))
    if not isinstance(raw_list, list):
        problems.append(framework.problem(("steps",), "expected a list of steps", "a YAML list"))
        raw_list = []
    for i, raw in enumerate(raw_list):
        path: tuple[PathElem, ...] = ("steps", i)
        step, step_problems = validate_step(framework, path, raw)
        problems += step_problems
        if step is None:
            continue
        if step.id in raw_steps:
            first = framework.line_of((*paths[step.id], "id"))
            problems.append(framework.problem((*path, "id"), f'duplicate step id "{step.id}" '
                                              f"(first at line {first})", "each step id once"))
            continue
        problems += [framework.problem((*path, *issue.loc), issue.message, issue.allowed)
                     for issue in check_step(step, names)]
        steps.append(step)
        raw_steps[step.id] = to_plain(raw)
        paths[step.id] = path
        provenance[step.id] = provenance_of(framework, path, step)
    steps = _with_rights(framework, steps, paths, raw_steps, problems)
    template = Template(area="national", framework_version=version, version=version,
                        effective_from=BEGINNING, steps=tuple(steps), provenance=provenance)
    max_days, approvers = _derogation_policy(framework, problems)
    return National(directory, version, vocabulary, register, cps_areas, stages, tuple(steps),
                    raw_steps, paths, framework, register_doc, template, problems,
                    max_days, approvers)


def _derogation_policy(doc: Document, problems: list[ConfigProblem]
                       ) -> tuple[int, tuple[str, ...]]:
    """`derogations: {max_days, approvers}`: how long a derogation may run and who may
    approve one, set nationally so no area can approve its own indefinite loosening."""
    max_days = doc.get(("derogations", "max_days"))
    approvers = doc.get(("derogations", "approvers"))
    if isinstance(max_days, bool) or not isinstance(max_days, int) or not 1 <= max_days <= 1096:
        problems.append(doc.problem(("derogations", "max_days"), "the longest a derogation may "
                                    "run must be a number of days", "an integer from 1 to 1096"))
        max_days = 366
    if not isinstance(approvers, list) or not approvers or \
            not all(isinstance(a, str) and a.strip() for a in approvers):
        problems.append(doc.problem(("derogations", "approvers"), "the offices that may approve "
                                    "a derogation must be listed", "a list of office titles"))
        approvers = []
    return max_days, tuple(approvers)


RIGHTS_KEY = "victims_code_rights"
RIGHTS_ALLOWED = "a Victims' Code right from 1 to 12, or null for none"


def _with_rights(doc: Document, steps: list[AnyStep], paths: dict[str, tuple[PathElem, ...]],
                 raw_steps: dict[str, dict[str, Any]], problems: list[ConfigProblem]
                 ) -> list[AnyStep]:
    """Each national step with the Victims' Code right `victims_code_rights` gives it.

    One mapping at the end of framework.yaml, so the rights read as a list and every
    national step must appear in it (None is a statement too: no right is served)."""
    raw = doc.get((RIGHTS_KEY,))
    if not isinstance(raw, dict):
        problems.append(doc.problem((RIGHTS_KEY,), "the framework does not say which Victims' "
                                    "Code right each national step serves",
                                    f"{RIGHTS_KEY}: a mapping of step id to {RIGHTS_ALLOWED}"))
        return steps
    ids = {s.id for s in steps}
    rights: dict[str, int | None] = {}
    for sid, value in raw.items():
        if sid not in ids:
            problems.append(doc.problem((RIGHTS_KEY, sid), f'unknown step "{sid}"'
                                        f"{did_you_mean(str(sid), ids)}", "a national step id",
                                        at="key"))
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                    or not 1 <= value <= 12):
            problems.append(doc.problem((RIGHTS_KEY, sid), f"{show(value)} is not a right of "
                                        "the Victims' Code", RIGHTS_ALLOWED))
        else:
            rights[sid] = value
    out = []
    for step in steps:
        body = doc.get(paths[step.id])
        if isinstance(body, dict) and "victims_code_right" in body:
            problems.append(doc.problem((*paths[step.id], "victims_code_right"),
                                        f"give the right of a national step in {RIGHTS_KEY}",
                                        f"{RIGHTS_KEY}.{step.id}", at="key"))
        if step.id in rights:
            step = step.model_copy(update={"victims_code_right": rights[step.id]})
            raw_steps[step.id]["victims_code_right"] = rights[step.id]  # overlays merge on it
        elif step.id not in raw:
            problems.append(doc.problem((RIGHTS_KEY,), f'national step "{step.id}" is not '
                                        f"listed in {RIGHTS_KEY}", f"{step.id}: {RIGHTS_ALLOWED}",
                                        at="key"))
        out.append(step)
    return out


def _register(doc: Document, problems: list[ConfigProblem]
              ) -> tuple[dict[str, str], dict[str, AreaInfo]]:
    cps: dict[str, str] = {}
    raw_cps = doc.get(("cps_areas",)) or {}
    for cid, body in raw_cps.items() if isinstance(raw_cps, dict) else ():
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str):
            problems.append(doc.problem(("cps_areas", cid, "name"),
                                        'required field "name" is missing', at="key"))
            continue
        cps[cid] = name
    register: dict[str, AreaInfo] = {}
    raw_areas = doc.get(("areas",)) or {}
    for aid, body in raw_areas.items() if isinstance(raw_areas, dict) else ():
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            problems.append(doc.problem(("areas", aid), "an area needs a name and a cps_area",
                                        "{name: ..., cps_area: ...}"))
            continue
        raw_cps_area = body.get("cps_area")
        ids = tuple(raw_cps_area if isinstance(raw_cps_area, list) else [raw_cps_area])
        for c in ids:
            if c not in cps:
                problems.append(doc.problem(("areas", aid, "cps_area"),
                                            f'unknown CPS Area "{c}"{did_you_mean(str(c), cps)}',
                                            " | ".join(cps)))
        register[aid] = AreaInfo(aid, body["name"], tuple(str(c) for c in ids),
                                 doc.line_of(("areas", aid)))
    return cps, register


def _stages(doc: Document, names: Names, problems: list[ConfigProblem]) -> tuple[StageRule, ...]:
    out: list[StageRule] = []
    raw = doc.get(("stages",))
    for i, body in enumerate(raw if isinstance(raw, list) else []):
        try:
            rule = StageRule.model_validate(body)
        except ValidationError as e:
            path: tuple[PathElem, ...] = ("stages", i)

            def place(loc: tuple[PathElem, ...], p: tuple[PathElem, ...] = path
                      ) -> tuple[Document, tuple[PathElem, ...]]:
                return doc, p

            problems += from_validation(e, StageRule, place)
            continue
        for j, m in enumerate(rule.set_by):
            problems += [doc.problem(("stages", i, "set_by", j, *issue.loc), issue.message,
                                     issue.allowed)
                         for issue in check_matcher(m, (), names, "case")]
        out.append(rule)
    return tuple(out)
