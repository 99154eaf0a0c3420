"""The JSON Schema of mapping files, generated from the models (`liaison config schema
--mapping`; committed as area_configs/mapping.schema.json and tested to be current).

It lets an editor catch a misspelt key or a wrong type while the file is written; the
names themselves (event types, fields, areas, value maps) are checked by the loader.
"""

from __future__ import annotations

import json
from typing import Any

from engine.mapping.model import Mapping


def mapping_schema() -> dict[str, Any]:
    schema = Mapping.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "liaison source mapping"
    schema["description"] = ("How one source system's extract becomes events (issue 17); "
                             "generated from the engine's models by "
                             "`liaison config schema --mapping`.")
    return schema


def mapping_schema_text() -> str:
    return json.dumps(mapping_schema(), indent=2, sort_keys=True) + "\n"
