"""Helpers for the mapping tests: the real national files, the example mappings, a test
key and the synthetic extracts of tests/data/mappings copied where rejects may be written."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

from engine.config.national import National, load_national
from engine.mapping import Mapper, Pseudonymiser, load_or_raise, map_files, resolve

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "area_configs"
DATA = ROOT / "tests" / "data" / "mappings"
KEY_TEXT = "test-key-" + "0123456789abcdef" * 2  # 41 characters; a test key only
KEY = Pseudonymiser(KEY_TEXT.encode())


def national() -> National:
    return load_national(CONFIGS / "national")


def mapper(name: str, key: Pseudonymiser | None = KEY) -> Mapper:
    return Mapper(load_or_raise(resolve(name, CONFIGS), national()), national(), key)


def copy_sample(name: str, tmp: Path) -> Path:
    target = tmp / name
    shutil.copyfile(DATA / name, target)
    return target


def map_to_list(m: Mapper, paths: list[Path]) -> tuple[list[dict[str, Any]], list[Any]]:
    """Events and file reports of mapping `paths`."""
    buf = io.StringIO()
    reports = map_files(m, [str(p) for p in paths], buf)
    return [json.loads(line) for line in buf.getvalue().splitlines()], reports


def rejects_of(path: Path) -> list[dict[str, Any]]:
    target = Path(str(path) + ".rejects.jsonl")
    if not target.exists():
        return []
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
