"""Shared constants for the config tests (imported by tests/config/conftest.py and tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from engine.config import ConfigSet
from engine.errors import ConfigProblem

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = ROOT / "area_configs" / "national"
TODAY = date(2026, 11, 28)

# A valid overlay header (lines 1-10); tests append `steps:` and friends from line 11.
HEADER = """\
area: essex
name: Essex
cps_area: east-of-england
framework_version: "2026.1"
effective_from: 2026-04-01
spocs:
  police: {team: RASSO desk, mailbox: rasso@essex.police.example}
  cps: {team: RASSO unit, mailbox: rasso@cps-east.example}
  isva: {team: ISVA service, mailbox: isva@support.example}
scrutiny_group: {name: Essex Rape Scrutiny Panel}
"""

Build = Callable[..., tuple[ConfigSet, list[ConfigProblem]]]
