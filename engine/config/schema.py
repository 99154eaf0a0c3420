"""The JSON Schema for overlay files, generated from the models (contract §6).

An overlay's `steps` values are either a partial change to a national step or a whole
local step, so the schema describes a step entry as every field of the three step kinds,
each optional, plus `derogation`. The builder still decides the rest (which fields a
kind takes, the floor, names); the schema lets an editor catch typos and types early.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from engine.spec import (
    DeadlineStep,
    Derogation,
    Matcher,
    Overlay,
    ProhibitionStep,
    RecurringStep,
)

_MATCHER_LISTS = ("trigger", "cancelled_by", "stop")


def _step_entry() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for cls in (DeadlineStep, RecurringStep, ProhibitionStep):
        for name, info in cls.model_fields.items():
            if name in fields or name == "kind":
                continue
            annotation: Any = info.annotation
            if name in _MATCHER_LISTS:
                annotation = Matcher | list[Matcher]
            fields[name] = (annotation | None, Field(default=None, description=info.description))
    fields["kind"] = (Literal["deadline", "recurring", "prohibition"] | None, None)
    fields["derogation"] = (Derogation | None, Field(
        default=None, description="Needed when the change loosens a minimum step."))
    return create_model(
        "StepEntry", __config__=ConfigDict(extra="forbid"),
        __doc__="A change to a national step (any fields) or a local step (local: true, "
                "every field).", **fields)


def overlay_schema() -> dict[str, Any]:
    """The JSON Schema of an overlay file."""
    entry = _step_entry()
    model = create_model(
        "AreaOverlay", __base__=Overlay,
        steps=(dict[str, entry], Field(default_factory=dict,  # type: ignore[valid-type]
                                       description="Step id -> changed fields or a local step.")))
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "liaison area overlay"
    schema["description"] = ("An area's overlay on the national framework (contract §6); "
                             "generated from the engine's models by `liaison config schema`.")
    return schema


def overlay_schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(overlay_schema(), indent=2, sort_keys=True) + "\n"
