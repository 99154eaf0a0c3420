"""Configuration: the national framework, area overlays, the floor and their tooling.

`load_config()` gives a validated `ConfigSet` (or raises `ConfigError` with every
problem); `build_template()` resolves a candidate overlay for deploy and plan;
`validate_paths()` backs `liaison config validate`.
"""

from engine.config.build import (
    ConfigSet,
    build_overlay_text,
    build_template,
    collect,
    load_config,
    validate_paths,
)
from engine.config.national import AreaInfo
from engine.config.overlay import BuiltOverlay, StepDiff

__all__ = [
    "AreaInfo",
    "BuiltOverlay",
    "ConfigSet",
    "StepDiff",
    "build_overlay_text",
    "build_template",
    "collect",
    "load_config",
    "validate_paths",
]
