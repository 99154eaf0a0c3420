"""The tables of docs/contract.md that are facts of the code or of `area_configs/national/`.

Each table sits between `<!-- generated: NAME -->` and `<!-- end: NAME -->` in the contract.
`test_contract.py` regenerates them and compares; after a deliberate change to the
vocabulary, the stages, the national steps or an enum, rewrite them with

    python tests/docs/contract_tables.py

and read the diff: it is the change to the contract.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "contract.md"
NATIONAL = ROOT / "area_configs"

_BLOCK = re.compile(r"(<!-- generated: ([\w-]+) -->\n)(.*?)(<!-- end: \2 -->)", re.S)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _config():  # type: ignore[no-untyped-def]
    from engine.config import load_config

    return load_config(NATIONAL)


def events_table() -> str:
    from engine.vocabulary import FieldSpec

    vocab = _config().vocabulary

    def field(f: FieldSpec) -> str:
        text = f"`{f.name}`: {f.allowed()}"
        return text + " *(optional)*" if f.optional else text

    lines = [_row("type", "level", "data fields"), _row("---", "---", "---")]
    for name, t in vocab.types.items():
        fields = "; ".join(field(f) for f in t.fields.values()) or "—"
        lines.append(_row(f"`{name}`", t.level, fields.replace("|", "\\|")))
    lines.append("")
    lines.append("Sources: " + ", ".join(f"`{s}`" for s in sorted(vocab.sources)) + ".")
    return "\n".join(lines)


def stages_table() -> str:
    lines = [_row("stage", "label", "closed", "set by"), _row("---", "---", "---", "---")]
    for s in _config().stages:
        set_by = ", ".join(f"`{m.describe()}`" for m in s.set_by)
        lines.append(_row(f"`{s.id}`", s.name, "yes" if s.closed else "no", set_by))
    return "\n".join(lines)


def _flow(value: object) -> str:
    """A condition as the flow-style YAML an overlay would write."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _condition(cond: object) -> str:
    from pydantic import BaseModel

    assert isinstance(cond, BaseModel)
    return "`" + _flow(cond.model_dump(by_alias=True, exclude_none=True)) + "`"


def steps_table() -> str:
    from engine.spec import DeadlineStep, ProhibitionStep, RecurringStep

    lines = [
        _row("step", "kind", "owner", "severity", "standard", "verification", "rule"),
        _row(*["---"] * 7),
    ]
    for s in _config().national.steps:
        if isinstance(s, DeadlineStep):
            rule = (
                " or ".join(f"`{m.describe()}`" for m in s.trigger)
                + f" → `{s.satisfied_by.describe()}` within {s.deadline.describe()}"
            )
            if s.when is not None:
                rule += f", when {_condition(s.when)}"
            if s.cancelled_by:
                rule += "; cancelled by " + " or ".join(
                    f"`{m.describe()}`" for m in s.cancelled_by)
        elif isinstance(s, RecurringStep):
            start = f"`{s.start.describe()}`" if s.start else "the overlay taking effect"
            rule = f"from {start}, `{s.satisfied_by.describe()}` every {s.every.days} days"
            if s.interval_preference:
                rule += f" (or `{s.interval_preference}`)"
            if s.pause is not None and s.resume is not None:
                rule += f"; paused by `{s.pause.describe()}`, resumed by `{s.resume.describe()}`"
            stops = [f"`{m.describe()}`" for m in s.stop]
            stops += [f"entering `{x}`" for x in s.stop_stages]
            if stops:
                rule += "; stopped by " + ", ".join(stops)
        else:
            assert isinstance(s, ProhibitionStep)
            rule = f"`{s.event.describe()}` " + (
                f"unless {_condition(s.unless)}" if s.unless is not None
                else f"violates when {_condition(s.violates_when)}")
        kind = s.kind + (", area-level" if getattr(s, "scope", "case") == "area" else "")
        lines.append(_row(f"`{s.id}`", kind, s.owner.value, s.severity.value,
                          s.standard.value, s.verification.value, rule.replace("|", "\\|")))
    return "\n".join(lines)


def _enum_list(values: list[str]) -> str:
    return ", ".join(f"`{v}`" for v in values) + "."


def statuses_list() -> str:
    from engine.terms import FLAG_STATUSES, Status

    return (
        "All statuses, in order: " + _enum_list([s.value for s in Status]) + "\n"
        + "Flags: " + _enum_list([s.value for s in Status if s in FLAG_STATUSES])
    )


def terms_list() -> str:
    from engine.terms import Owner, Role, Severity

    return "\n".join([
        "Owners: " + _enum_list([o.value for o in Owner]),
        "Severities, least first: " + _enum_list([s.value for s in Severity]),
        "Roles: " + _enum_list([r.value for r in Role]),
    ])


_SAMPLE = [
    '{"event_id": "e1", "case_id": "K-1", "area": "kent", "type": "case.reported",'
    ' "at": "2026-05-04T09:00:00+01:00", "source": "police",'
    ' "data": {"offence": "rape", "complainant_age": "adult"}}',
    '{"event_id": "e2", "case_id": "K-1", "area": "kent", "type": "police.suspect_arrested",'
    ' "at": "2026-05-05T10:00:00+01:00", "source": "police", "data": {}}',
]


def check_json_keys() -> str:
    """The keys `liaison check --format json` prints, read off a real evaluation."""
    import io
    from datetime import datetime

    from engine.check import accept_lines, check

    config = _config()
    lines = read = io.StringIO("\n".join(_SAMPLE) + "\n")
    from engine.event_lines import read_lines

    read = accept_lines(read_lines(lines, config.vocabulary, "jsonl", "sample"), "sample")
    as_of = datetime.fromisoformat("2026-09-01T12:00:00+01:00")
    out = check(config.rules(), read, as_of, None, config.templates).to_json()

    def keys(obj: dict[str, object]) -> str:
        return ", ".join(f"`{k}`" for k in obj)

    case = out["cases"][0]
    return "\n".join([
        "Keys, in this order:",
        "",
        f"- the object: {keys(out)};",
        f"- a case: {keys(case)};",
        f"- an instance: {keys(case['instances'][0])};",
        f"- an area instance: {keys(out['area_instances'][0])}.",
    ])


TABLES: dict[str, Callable[[], str]] = {
    "check-json": check_json_keys,
    "events": events_table,
    "stages": stages_table,
    "steps": steps_table,
    "statuses": statuses_list,
    "terms": terms_list,
}


def blocks(text: str) -> dict[str, str]:
    """The generated blocks found in the contract, by name, without their markers."""
    return {m.group(2): m.group(3) for m in _BLOCK.finditer(text)}


def regenerate(text: str) -> str:
    def fill(m: re.Match[str]) -> str:
        return m.group(1) + TABLES[m.group(2)]() + "\n" + m.group(4)

    return _BLOCK.sub(fill, text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    CONTRACT.write_text(regenerate(CONTRACT.read_text(encoding="utf-8")), encoding="utf-8")
