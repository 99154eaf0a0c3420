"""Build the whole configuration: the national framework plus every area overlay.

`load_config` is what `check`, the sweep, the API and the reports call: it returns a
`ConfigSet` or raises `ConfigError` with every problem found. `build_template` resolves a
candidate overlay text against a loaded set (deploy and plan use it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from engine.config.loader import parse, read
from engine.config.national import AreaInfo, National, load_national
from engine.config.overlay import BuiltOverlay, StepDiff, build_overlay, stem_of
from engine.errors import ConfigError, ConfigProblem
from engine.rules import Rules, TemplateHistory
from engine.spec import StageRule, Template
from engine.vocabulary import Vocabulary


@dataclass
class ConfigSet:
    """The validated configuration: national framework, register and area templates."""

    config_dir: Path
    national_parts: National
    built: dict[str, BuiltOverlay] = field(default_factory=dict)
    warnings: list[ConfigProblem] = field(default_factory=list)

    @property
    def vocabulary(self) -> Vocabulary:
        return self.national_parts.vocabulary

    @property
    def stages(self) -> tuple[StageRule, ...]:
        return self.national_parts.stages

    @property
    def register(self) -> dict[str, AreaInfo]:
        return self.national_parts.register

    @property
    def cps_areas(self) -> dict[str, str]:
        return self.national_parts.cps_areas

    @property
    def national(self) -> Template:
        return self.national_parts.template

    @property
    def framework_version(self) -> str:
        return self.national_parts.framework_version

    @property
    def templates(self) -> dict[str, Template]:
        """Area -> resolved overlay template (areas with an overlay only)."""
        return {a: b.template for a, b in sorted(self.built.items()) if b.template is not None}

    @property
    def overlay_files(self) -> dict[str, Path]:
        return {a: Path(b.file) for a, b in sorted(self.built.items())}

    def diffs(self, area: str) -> dict[str, StepDiff]:
        """How each step of `area` differs from national (empty without an overlay)."""
        built = self.built.get(area)
        return dict(built.diffs) if built else {}

    def history(self, area: str) -> TemplateHistory:
        """National from the beginning, then the area's overlay from its effective_from."""
        tpl = self.templates.get(area)
        return TemplateHistory([self.national] if tpl is None else [self.national, tpl])

    def rules(self) -> Rules:
        """What the evaluator needs (contract §7's per-area histories)."""
        histories = {a: self.history(a) for a in self.templates}
        return Rules(self.stages, histories, TemplateHistory([self.national]))

    def build_template(self, overlay_text: str, file: str = "<overlay>", *,
                       today: date | None = None, stem: str | None = None) -> Template:
        """Resolve a candidate overlay; raise ConfigError when it has errors."""
        return build_template(self, overlay_text, file, today=today, stem=stem)


def _overlay_paths(areas_dir: Path) -> list[Path]:
    return sorted(areas_dir.glob("*.yaml")) if areas_dir.is_dir() else []


def collect(config_dir: Path = Path("area_configs"), *, today: date | None = None,
            overlay_paths: Sequence[Path] | None = None) -> tuple[ConfigSet, list[ConfigProblem]]:
    """Build everything and return the set with every problem (errors and warnings)."""
    today = today or date.today()
    national = load_national(config_dir / "national")
    problems = list(national.problems)
    cs = ConfigSet(config_dir, national)
    paths = list(overlay_paths) if overlay_paths is not None else _overlay_paths(
        config_dir / "areas")
    for path in paths:
        built = build_overlay(national, read(path), today=today, stem=stem_of(path))
        problems += built.problems
        key = built.area or stem_of(path)
        if key in cs.built:
            problems.append(ConfigProblem(str(path), 1, 1, "area",
                                          f'a second overlay for "{key}" (the first is '
                                          f"{cs.built[key].file})", "one overlay per area"))
            continue
        cs.built[key] = built
    if overlay_paths is None:
        for aid, info in national.register.items():
            if aid not in cs.built:
                problems.append(ConfigProblem(
                    national.register_doc.file, info.line, 1, f"areas.{aid}",
                    "no overlay: evaluated against the national framework alone; its SPOCs "
                    "are unknown", f"area_configs/areas/{aid}.yaml", "warning",
                    ConfigProblem.NO_OVERLAY))
    cs.warnings = [p for p in problems if p.severity == "warning"]
    return cs, problems


def load_config(config_dir: Path = Path("area_configs"), *, today: date | None = None
                ) -> ConfigSet:
    """The validated configuration; raises ConfigError listing every error found."""
    cs, problems = collect(config_dir, today=today)
    if any(p.severity == "error" for p in problems):
        raise ConfigError(problems)
    return cs


def validate_paths(paths: Sequence[Path], *, today: date | None = None
                   ) -> tuple[ConfigSet, list[ConfigProblem]]:
    """Validate config directories and/or overlay files (for `config validate`).

    A directory is a whole config tree (`national/` and `areas/`); a file is an overlay
    checked against the national framework of the tree it sits in (`../national`), or of
    `area_configs/` when it sits elsewhere.
    """
    dirs = [p for p in paths if p.is_dir()]
    files = [p for p in paths if not p.is_dir()]
    problems: list[ConfigProblem] = []
    result: ConfigSet | None = None
    for d in dirs:
        cs, found = collect(d, today=today)
        problems += found
        result = result or cs
    by_root: dict[Path, list[Path]] = {}
    for f in files:
        root = f.parent.parent if (f.parent.parent / "national").is_dir() else Path("area_configs")
        by_root.setdefault(root, []).append(f)
    for root, group in by_root.items():
        cs, found = collect(root, today=today, overlay_paths=group)
        problems += found
        result = result or cs
    if result is None:
        result, found = collect(Path("area_configs"), today=today)
        problems += found
    return result, problems


def build_overlay_text(config: ConfigSet, overlay_text: str, file: str = "<overlay>", *,
                       today: date | None = None, stem: str | None = None) -> BuiltOverlay:
    """Resolve overlay text against `config`'s national framework; problems collected."""
    return build_overlay(config.national_parts, parse(overlay_text, file),
                         today=today or date.today(), stem=stem)


def build_template(config: ConfigSet, overlay_text: str, file: str = "<overlay>", *,
                   today: date | None = None, stem: str | None = None) -> Template:
    """The template a candidate overlay resolves to; ConfigError with every problem."""
    built = build_overlay_text(config, overlay_text, file, today=today, stem=stem)
    if not built.ok or built.template is None:
        raise ConfigError(built.problems)
    return built.template
