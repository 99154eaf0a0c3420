"""The base of every rules model, and the discriminator helper their unions share.

Kept apart from `engine.spec` so that the contact models (`engine.contacts`), which the
overlay model holds, can use the same base without an import cycle.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


# Frozen, and strict about unknown fields: a misspelt key is an error, never ignored.
# (A comment, not a docstring: pydantic would put a docstring in every subclass's schema.)
class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def only_key(value: Any, keys: tuple[str, ...]) -> str | None:
    """The one key of `value` among `keys` (a model's field, or a one-key mapping's key):
    the tag a discriminated union dispatches on; None when there is not exactly one."""
    if isinstance(value, BaseModel):
        fields = [k for k in keys
                  if k in type(value).model_fields or (k == "not" and hasattr(value, "not_"))]
        return fields[0] if fields else None
    if isinstance(value, dict) and len(value) == 1:
        (k,) = value
        return k if k in keys else None
    return None
