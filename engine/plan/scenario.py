"""What a plan replays: the rules in force ("before") and a counterfactual ("after").

Three counterfactuals, one shape (`Scenario`):
- a draft national framework with every area's overlays and deployed versions rebuilt
  on top of it (`draft_scenario`). An overlay that the draft pushes below the floor is
  listed with the file and line of each problem, and its offending steps are replayed at
  the draft's national rule: without a derogation or a change that is what would apply;
- one area's cases under another area's current variant (`variant_scenario`), or under
  the bare national framework (`under="national"`). The other variant is in force from
  the beginning of case time, as the draft framework is, so the comparison is between
  the rules and not between adoption dates. A step that exists only in the replayed
  area's overlay is absent under the other variant (its instances show as removed); a
  step local to the other area applies to the replayed cases as it would there;
- one area's candidate overlay added to its history (`liaison plan AREA`, engine.deploy).
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from engine.config.loader import Document, parse
from engine.config.national import National, load_national
from engine.config.overlay import build_overlay
from engine.errors import ConfigError, ConfigProblem
from engine.rules import BEGINNING, Rules, TemplateHistory
from engine.spec import Template
from engine.store import StoreRules, Version

NATIONAL = "national"
_NATIONAL_FILES = ("areas.yaml", "events.yaml", "stages.yaml", "framework.yaml")
_MAX_ROUNDS = 64  # each round drops at least one step; an overlay has far fewer


@dataclass(frozen=True)
class BelowFloor:
    """One problem an area's overlay would have under the draft (file:line included)."""

    area: str
    file: str
    line: int | None
    field: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"area": self.area, "file": self.file, "line": self.line, "field": self.field,
                "message": self.message}


@dataclass(frozen=True)
class Scenario:
    """Rules before and after, the areas whose cases are replayed (None: all) and what
    the after-rules are called in the report."""

    kind: str  # framework | variant
    label: str
    before: Rules
    after: Rules
    areas: tuple[str, ...] | None
    steps: tuple[str, ...] | None = None  # only these steps reported (--step)
    below_floor: tuple[BelowFloor, ...] = field(default_factory=tuple)
    framework_versions: tuple[str, str] = ("", "")


TempDir = tempfile.TemporaryDirectory[str]


def draft_national_dir(draft: Path, config_dir: Path) -> tuple[Path, TempDir | None]:
    """The national directory to load: `draft` itself when it holds framework.yaml, or
    `draft/national`. National files missing from the draft are taken from the current
    national directory (a draft of the steps alone needs only framework.yaml)."""
    base = draft / "national" if (draft / "national" / "framework.yaml").is_file() else draft
    if not (base / "framework.yaml").is_file():
        raise ConfigError([ConfigProblem(str(draft), None, None, "", "no framework.yaml in the "
                                         "draft directory (nor in its national/)",
                                         "a directory holding the draft framework.yaml")])
    missing = [f for f in _NATIONAL_FILES if not (base / f).is_file()]
    if not missing:
        return base, None
    tmp = tempfile.TemporaryDirectory(prefix="liaison-draft-")
    for f in _NATIONAL_FILES:
        src = base / f if f not in missing else config_dir / "national" / f
        shutil.copyfile(src, Path(tmp.name) / f)
    return Path(tmp.name), tmp


def load_draft(draft: Path, config_dir: Path) -> National:
    """The draft national framework, validated (ConfigError naming the draft's files, or
    the current national files it borrowed, never a temporary copy)."""
    directory, tmp = draft_national_dir(draft, config_dir)
    try:
        national = load_national(directory)
    finally:
        if tmp is not None:
            tmp.cleanup()
    errors = [p for p in national.problems if p.severity == "error"]
    if errors:
        raise ConfigError([_origin(p, directory, draft, config_dir) for p in errors])
    return national


def _origin(p: ConfigProblem, loaded: Path, draft: Path, config_dir: Path) -> ConfigProblem:
    """A problem placed in the file it came from rather than the copy that was loaded."""
    name = Path(p.file).name
    if Path(p.file).parent != loaded:
        return p
    base = draft / "national" if (draft / "national" / "framework.yaml").is_file() else draft
    home = base if (base / name).is_file() else config_dir / "national"
    return dataclasses.replace(p, file=str(home / name))


def _drop(doc: Document, problems: list[ConfigProblem]) -> bool:
    """Remove from the overlay the steps and disabled entries the problems point at;
    False when a problem lies elsewhere (the overlay cannot be partly kept)."""
    data = doc.data
    steps = data.get("steps") if isinstance(data, dict) else None
    disabled = data.get("disabled") if isinstance(data, dict) else None
    drop_steps: set[str] = set()
    drop_disabled: set[int] = set()
    for p in problems:
        head, _, rest = p.field.partition(".")
        if head == "steps" and rest and isinstance(steps, dict):
            drop_steps.add(rest.split(".")[0].split("[")[0])
        elif p.field.startswith("disabled[") and isinstance(disabled, list):
            drop_disabled.add(int(p.field[len("disabled["):].split("]")[0]))
        else:
            return False
    for sid in drop_steps:
        if isinstance(steps, dict) and sid in steps:
            del steps[sid]
    if isinstance(disabled, list):
        for i in sorted(drop_disabled, reverse=True):
            if 0 <= i < len(disabled):
                del disabled[i]
    return bool(drop_steps or drop_disabled)


def rebuild(national: National, area: str, text: str, file: str, today: date
            ) -> tuple[Template | None, list[BelowFloor]]:
    """Resolve overlay text onto another national framework.

    The overlay is taken as rebased onto the draft's framework version; steps the draft
    rejects (looser than its floor without a derogation, a step it removed...) are left
    out, so they are replayed at the draft's rule. None when the rest cannot stand.
    """
    doc = parse(text, file)
    if isinstance(doc.data, dict) and "framework_version" in doc.data:
        doc.data["framework_version"] = national.framework_version
    found: list[BelowFloor] = []
    seen: set[tuple[int | None, str]] = set()
    for _ in range(_MAX_ROUNDS):
        built = build_overlay(national, doc, today=today, stem=None)
        errors = [p for p in built.problems if p.severity == "error"]
        for p in errors:
            if (p.line, p.message) not in seen:
                seen.add((p.line, p.message))
                found.append(BelowFloor(area, p.file, p.line, p.field, p.message))
        if not errors:
            return built.template, found
        if not _drop(doc, errors):
            return None, found
    return None, found


def draft_rules(current: StoreRules, sources: dict[str, tuple[str, str]], national: National,
                stages: Any, today: date) -> tuple[Rules, list[BelowFloor]]:
    """The rules in force with every area template rebuilt onto the draft `national`.

    `sources` maps a template's version to its text and file (overlay files and deployed
    versions). Each template keeps its `effective_from`; the draft is in force from the
    beginning, as the national framework is."""
    histories: dict[str, TemplateHistory] = {}
    problems: list[BelowFloor] = []
    for area in sorted(current.areas_with_templates):
        templates = [national.template]
        for tpl in current.rules.history(area).templates[1:]:
            text, file = sources[tpl.version]
            rebuilt, found = rebuild(national, area, text, file, today)
            problems += found
            if rebuilt is not None:
                templates.append(rebuilt.model_copy(update={"effective_from":
                                                            tpl.effective_from}))
        histories[area] = TemplateHistory(templates)
    return Rules(stages, histories, TemplateHistory([national.template])), problems


def template_sources(config_set: Any, deployed: list[Version]) -> dict[str, tuple[str, str]]:
    """Template version -> (overlay text, file) for every overlay file and deployed version."""
    from engine.config.overlay import overlay_version

    out: dict[str, tuple[str, str]] = {}
    for built in config_set.built.values():
        if built.template is not None:
            out[built.template.version] = (Path(built.file).read_text(encoding="utf-8"),
                                           built.file)
    for v in deployed:
        version = overlay_version(v.framework_version, v.area, v.yaml)
        out.setdefault(version, (v.yaml, f"{v.area}.yaml (deployed v{v.id})"))
    return out


def variant_rules(current: Rules, area: str, under: str) -> Rules:
    """`area`'s cases judged under `under`'s latest template (or the national framework)
    from the beginning; every other area unchanged."""
    national = current.fallback.templates[0]
    histories = {a: current.history(a) for a in current.areas}
    if under == NATIONAL:
        histories[area] = TemplateHistory([national])
    else:
        latest = current.history(under).latest
        histories[area] = TemplateHistory([latest.model_copy(update={"effective_from":
                                                                     BEGINNING})])
    return Rules(current.stages, histories, TemplateHistory([national]))
