"""The resolved template of an area as data: each field's value and where it came from.

`config show` prints it; a force data team reads it to see exactly which rule applies
and whether the national file or their overlay set it.
"""

from __future__ import annotations

from typing import Any

from engine.spec import Template


def template_document(template: Template) -> dict[str, Any]:
    """The template as plain data with per-field provenance (`"from": "file:line"`)."""
    steps: list[dict[str, Any]] = []
    for step in template.steps:
        prov = template.provenance.get(step.id, {})
        dumped = step.model_dump(mode="json", by_alias=True, exclude_defaults=False)
        fields: dict[str, Any] = {}
        for name, value in dumped.items():
            key = "not" if name == "not_" else name
            origin = prov.get(name)
            fields[key] = {"value": value, "from": str(origin) if origin else None}
        steps.append({"id": step.id, "kind": step.kind, "fields": fields,
                      "derogation": (template.derogations[step.id].model_dump(mode="json")
                                     if step.id in template.derogations else None)})
    return {
        "area": template.area,
        "framework_version": template.framework_version,
        "version": template.version,
        "effective_from": template.effective_from.isoformat(),
        "has_overlay": template.has_overlay,
        "extra_non_working_days": sorted(d.isoformat() for d in template.extra_non_working_days),
        "disabled_with_derogation": {
            sid: d.model_dump(mode="json") for sid, d in sorted(template.derogations.items())
            if sid not in {s.id for s in template.steps}},
        "steps": steps,
    }
