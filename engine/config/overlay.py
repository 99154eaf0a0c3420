"""Resolve one area overlay onto the national framework (contract §6).

Overlays merge by step id, field by field: a field the overlay gives replaces the
national value whole. Every resolved field keeps the file and line it came from, every
name is resolved, and every change to a minimum step is judged against the floor.
Problems are collected, never raised one at a time, so one `config validate` run lists
all of them.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.calendar import calendar_for, is_bank_holiday, start_of_day
from engine.config.floor import LOOSER, TIGHTER, FloorChange, compare_steps
from engine.config.loader import Document, PathElem, to_plain
from engine.config.names import check_step
from engine.config.national import National, provenance_of, validate_step
from engine.config.problems import from_validation, show
from engine.errors import ConfigProblem
from engine.spec import AnyStep, Derogation, Overlay, Provenance, Template
from engine.vocabulary import did_you_mean

# Extra non-working days lengthen every working-day deadline in the area; a handful a
# year (local holidays) is a calendar matter, more would hollow out the floor.
MAX_EXTRA_DAYS_PER_YEAR = 5
FIXED_FIELDS = ("id", "kind", "local", "minimum", "scope", "victims_code_right")


@dataclass(frozen=True)
class StepDiff:
    """How one step of an area differs from the national framework."""

    step: str
    status: str  # inherited | unchanged | tightened | loosened | changed | disabled | local
    changes: tuple[FloorChange, ...] = ()
    derogation: Derogation | None = None


@dataclass
class BuiltOverlay:
    """The result of resolving one overlay: the template (when valid), diffs, problems."""

    file: str
    area: str | None
    overlay: Overlay | None = None
    template: Template | None = None
    diffs: dict[str, StepDiff] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def overlay_version(framework_version: str, area: str, text: str) -> str:
    """`2026.1+south-wales.<first 12 hex of the overlay text's sha256>`."""
    return f"{framework_version}+{area}.{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


def build_overlay(national: National, doc: Document, *, today: date,
                  stem: str | None = None) -> BuiltOverlay:
    """Resolve `doc` onto `national`; `stem` is the file name's stem when read from disk."""
    out = BuiltOverlay(doc.file, None, problems=list(doc.problems))
    if not isinstance(doc.data, dict):  # unparsable: nothing more can be said
        return out
    plain: dict[str, Any] = to_plain(doc.data)
    try:
        out.overlay = Overlay.model_validate(plain)
    except ValidationError as e:
        out.problems += from_validation(e, Overlay, lambda loc: (doc, ()))
    area = plain.get("area") if isinstance(plain.get("area"), str) else None
    out.area = area
    _check_header(national, doc, plain, stem, out.problems)
    extra = _extra_days(doc, plain, out.problems)
    effective = plain.get("effective_from")
    start = effective if isinstance(effective, date) else today
    ctx = _Context(national, doc, calendar_for(frozenset(extra)), start, today, out)
    resolved, local = ctx.steps(plain.get("steps"))
    disabled = ctx.disabled(plain.get("disabled"), resolved)
    if out.ok and out.overlay is not None and area is not None:
        steps = [resolved.get(s.id, s) for s in national.steps if s.id not in disabled]
        steps += local
        out.template = Template(
            area=area, framework_version=national.framework_version,
            version=overlay_version(national.framework_version, area, doc.text),
            effective_from=start_of_day(out.overlay.effective_from), steps=tuple(steps),
            extra_non_working_days=frozenset(extra), has_overlay=True,
            provenance=ctx.provenance, derogations=ctx.derogations)
    return out


def _check_header(national: National, doc: Document, plain: dict[str, Any], stem: str | None,
                  problems: list[ConfigProblem]) -> None:
    area = plain.get("area")
    if isinstance(area, str):
        if area not in national.register:
            problems.append(doc.problem(("area",), f'area "{area}" is not in the register'
                                        f"{did_you_mean(area, national.register)}",
                                        "a police force area id from "
                                        "area_configs/national/areas.yaml"))
        elif stem is not None and stem != area:
            problems.append(doc.problem(("area",), f'area "{area}" does not match the file name '
                                        f'"{stem}.yaml"', f'area: {stem}, or rename the file'))
        else:
            _check_cps_area(national, doc, area, plain.get("cps_area"), problems)
    version = plain.get("framework_version")
    if isinstance(version, str) and version != national.framework_version:
        problems.append(doc.problem(("framework_version",), f'framework version "{version}" is '
                                    "not the national framework's",
                                    f'"{national.framework_version}"'))


def _check_cps_area(national: National, doc: Document, area: str, given: Any,
                    problems: list[ConfigProblem]) -> None:
    expected = national.register[area].cps_areas
    values = given if isinstance(given, list) else [given]
    for i, c in enumerate(values):
        if not isinstance(c, str):
            continue
        loc: tuple[PathElem, ...] = ("cps_area", i) if isinstance(given, list) else ("cps_area",)
        if c not in national.cps_areas:
            problems.append(doc.problem(loc, f'unknown CPS Area "{c}"'
                                        f"{did_you_mean(c, national.cps_areas)}",
                                        " | ".join(expected)))
        elif c not in expected:
            problems.append(doc.problem(loc, f'{area} is not in CPS Area "{c}"',
                                        " | ".join(expected)))
    if all(isinstance(c, str) for c in values) and set(values) < set(expected):
        problems.append(doc.problem(("cps_area",), f"{area} belongs to {len(expected)} CPS Areas",
                                    "[" + ", ".join(expected) + "]"))


def _extra_days(doc: Document, plain: dict[str, Any], problems: list[ConfigProblem]) -> list[date]:
    cal = plain.get("calendar")
    raw = cal.get("extra_non_working_days") if isinstance(cal, dict) else None
    if not isinstance(raw, list):
        return []
    days: list[date] = []
    seen: set[date] = set()
    path: tuple[PathElem, ...] = ("calendar", "extra_non_working_days")
    for i, d in enumerate(raw):
        if not isinstance(d, date):
            continue  # reported by the model
        if d in seen:
            problems.append(doc.problem((*path, i), f"{d.isoformat()} is listed twice",
                                        "each date once", severity="warning"))
            continue
        seen.add(d)
        if d.weekday() >= 5 or is_bank_holiday(d):
            why = "a weekend" if d.weekday() >= 5 else "a bank holiday"
            problems.append(doc.problem((*path, i), f"{d.isoformat()} is {why}, already not a "
                                        "working day; listing it changes nothing",
                                        "a weekday that is not a bank holiday", severity="warning"))
            continue
        days.append(d)
    for year, n in sorted(Counter(d.year for d in days).items()):
        if n > MAX_EXTRA_DAYS_PER_YEAR:
            problems.append(doc.problem(path, f"{n} extra non-working days in {year} would "
                                        "lengthen every working-day deadline of the floor",
                                        f"at most {MAX_EXTRA_DAYS_PER_YEAR} per calendar year"))
    return days


class _Context:
    """State shared while resolving the steps of one overlay."""

    def __init__(self, national: National, doc: Document, calendar: Any, start: date,
                 today: date, out: BuiltOverlay):
        self.national, self.doc, self.calendar = national, doc, calendar
        self.start, self.today, self.out = start, today, out
        self.provenance: dict[str, dict[str, Provenance]] = dict(national.template.provenance)
        self.derogations: dict[str, Derogation] = {}

    def problem(self, path: tuple[PathElem, ...], message: str, allowed: str | None = None,
                **kw: Any) -> None:
        self.out.problems.append(self.doc.problem(path, message, allowed, **kw))

    # --- steps: -----------------------------------------------------------------------

    def steps(self, raw: Any) -> tuple[dict[str, AnyStep], list[AnyStep]]:
        resolved: dict[str, AnyStep] = {}
        local: list[AnyStep] = []
        if not isinstance(raw, dict):
            return resolved, local
        for sid, body in raw.items():
            path: tuple[PathElem, ...] = ("steps", sid)
            if not isinstance(body, dict):
                continue  # reported by the model
            body = dict(body)
            given = body.get("derogation") is not None
            derogation = self._derogation(body.pop("derogation", None), (*path, "derogation"))
            if body.get("local") is True:
                step = self._local(sid, body, path)
                if step is not None:
                    local.append(step)
                    self.out.diffs[sid] = StepDiff(sid, "local")
                if given:
                    self.problem((*path, "derogation"), f'derogation on the local step "{sid}" '
                                 "is not needed: only national minimum steps have a floor",
                                 "no derogation", at="key", severity="warning")
                continue
            base = self.national.step(sid)
            if base is None:
                self.problem(path, f'unknown step "{sid}"'
                             f"{did_you_mean(sid, self.national.raw_steps)}",
                             "a national step id, or a new step with local: true", at="key")
                continue
            before = len(self.out.problems)
            step = self._merge(base, sid, body, path)
            if step is None:
                continue
            resolved[sid] = step
            if len(self.out.problems) == before:  # a wrong name is the problem to fix first
                self._judge(base, step, path, derogation, given)
        return resolved, local

    def _derogation(self, raw: Any, path: tuple[PathElem, ...]) -> Derogation | None:
        if raw is None:
            return None
        try:
            d = Derogation.model_validate(raw)
        except ValidationError as e:
            self.out.problems.extend(from_validation(e, Derogation, lambda loc: (self.doc, path)))
            return None
        approvers = self.national.approvers
        if not any(re.search(rf"(^|\W){re.escape(a.lower())}($|\W)", d.approved_by.lower())
                   for a in approvers):
            self.problem((*path, "approved_by"), "a derogation must be approved by an office "
                         "the national framework names (derogations.approvers)",
                         " | ".join(approvers) + ", optionally with a place or a name")
            return None
        longest = self.national.derogation_max_days
        runs = (d.expires - self.start).days
        if runs > longest:
            latest = self.start + timedelta(days=longest)
            self.problem((*path, "expires"), f"the derogation runs {runs} days from "
                         f"effective_from {self.start.isoformat()}; the national framework "
                         f"allows at most {longest}", f"expires on or before {latest.isoformat()}")
            return None
        if d.expires < self.today:
            self.problem((*path, "expires"), f"derogation expired on {d.expires.isoformat()}; "
                         "the loosening it allowed is listed in national reports",
                         "renew the derogation or restore the national rule", severity="warning")
        return d

    def _local(self, sid: str, body: dict[str, Any], path: tuple[PathElem, ...]
               ) -> AnyStep | None:
        if sid in self.national.raw_steps:
            self.problem(path, f'duplicate step id "{sid}": it is already a national step',
                         "a new id for a local step, or drop local: true to change the national "
                         "step", at="key")
            return None
        if "id" in body and body["id"] != sid:
            self.problem((*path, "id"), f"{show(body['id'])} differs from the step's key "
                         f'"{sid}"', f'"{sid}" or no id')
            return None
        step, problems = validate_step(self.doc, path, {"id": sid, **body})
        self.out.problems.extend(problems)
        if step is None:
            return None
        self._names(step, lambda f: (self.doc, path))
        self.provenance[sid] = provenance_of(self.doc, path, step)
        return step

    def _merge(self, base: AnyStep, sid: str, body: dict[str, Any], path: tuple[PathElem, ...]
               ) -> AnyStep | None:
        national_raw = self.national.raw_steps[sid]
        national_path = self.national.step_paths[sid]
        for f in FIXED_FIELDS:
            national_value = national_raw.get(f, getattr(base, f, None))
            if f in body and body[f] != national_value:
                allowed = ("no such field for this kind" if national_value is None
                           else f"the national value {show(national_value)}")
                self.problem((*path, f), f"the {f} of a national step cannot change", allowed)
                return None
        merged = {**national_raw, **body}

        def place(loc: tuple[PathElem, ...]) -> tuple[Document, tuple[PathElem, ...]]:
            if loc and loc[0] in body:
                return self.doc, path
            return self.national.framework, national_path

        step, problems = validate_step(self.doc, path, merged, place)
        self.out.problems.extend(problems)
        if step is None:
            return None
        self._names(step, lambda f: place((f,)))
        prov = dict(self.national.template.provenance.get(sid, {}))
        for f in body:
            line = self.doc.line_of((*path, f))
            prov[f] = Provenance(file=self.doc.file, line=line)
        self.provenance[sid] = prov
        return step

    def _names(self, step: AnyStep, place: Any) -> None:
        for issue in check_step(step, self.national.names):
            doc, prefix = place(issue.loc[0])
            self.out.problems.append(doc.problem((*prefix, *issue.loc), issue.message,
                                                 issue.allowed))

    def _judge(self, base: AnyStep, step: AnyStep, path: tuple[PathElem, ...],
               derogation: Derogation | None, given: bool) -> None:
        """Classify the step's changes; loosening a minimum step needs a derogation (an
        invalid derogation is reported where it is wrong, not again here)."""
        changes = compare_steps(base, step, self.calendar, self.start)
        looser = [c for c in changes if c.verdict == LOOSER]
        sid = base.id
        if looser and base.minimum:
            if derogation is None and not given:
                for c in looser:
                    self.problem((*path, c.field), f'loosens the minimum step "{sid}": {c.detail}; '
                                 "a derogation is required",
                                 "the national value, something tighter, or a derogation "
                                 "{justification, approved_by, expires}")
            elif derogation is not None:
                self.derogations[sid] = derogation
            status = "loosened"
        elif any(c.verdict == TIGHTER for c in changes):
            status = "tightened"
        else:
            status = "changed" if changes else "unchanged"
        if derogation is not None and not (looser and base.minimum):
            self.problem((*path, "derogation"), f'derogation on "{sid}" is not needed: the '
                         "change does not loosen the floor", "no derogation", at="key",
                         severity="warning")
        self.out.diffs[sid] = StepDiff(sid, status, tuple(changes), derogation)

    # --- disabled: --------------------------------------------------------------------

    def disabled(self, raw: Any, modified: dict[str, AnyStep]) -> set[str]:
        out: set[str] = set()
        if not isinstance(raw, list):
            return out
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or not isinstance(item.get("step"), str):
                continue  # reported by the model
            sid = item["step"]
            path: tuple[PathElem, ...] = ("disabled", i)
            derogation = self._derogation(item.get("derogation"), (*path, "derogation"))
            base = self.national.step(sid)
            if base is None:
                self.problem((*path, "step"), f'unknown step "{sid}"'
                             f"{did_you_mean(sid, self.national.raw_steps)}", "a national step id")
                continue
            if sid in out:
                self.problem((*path, "step"), f'step "{sid}" is disabled twice', "each step once")
                continue
            if sid in modified or (isinstance(self.doc.get(("steps",)), dict)
                                   and sid in self.doc.get(("steps",))):
                self.problem((*path, "step"), f'step "{sid}" is both changed under steps and '
                             "disabled", "either change it or disable it")
                continue
            out.add(sid)
            if base.minimum and derogation is None and "derogation" not in item:
                self.problem((*path, "step"), f'disabling the minimum step "{sid}" needs a '
                             "derogation", "derogation: {justification, approved_by, expires}")
            elif derogation is not None:
                self.derogations[sid] = derogation
            self.provenance.pop(sid, None)
            self.out.diffs[sid] = StepDiff(
                sid, "disabled", (FloorChange("disabled", LOOSER, "the step is disabled"),),
                derogation)
        return out


def stem_of(path: Path) -> str:
    return path.name[: -len(".yaml")] if path.name.endswith(".yaml") else path.stem
