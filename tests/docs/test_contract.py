"""docs/contract.md is the contract the code cites: its tables are facts of the national
configs and of the code, and every "contract §N" in the repository names one of its sections."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.contract_tables import CONTRACT, ROOT, TABLES, blocks

TEXT = CONTRACT.read_text(encoding="utf-8")

# Where citations live: the code, the tests, the benchmarks, the docs and the configs.
SCANNED = ("engine", "flows", "tests", "bench", "docs", "area_configs")
SUFFIXES = {".py", ".md", ".yaml", ".json", ".html", ".j2", ".toml", ".ini"}


def _sections() -> set[str]:
    """Section numbers of the contract's headings: "4", "4.1", ..."""
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", TEXT, re.M))


def _files() -> list[Path]:
    out = [ROOT / "README.md"]
    for top in SCANNED:
        out += [p for p in (ROOT / top).rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    return sorted(p for p in out if "__pycache__" not in p.parts)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_generated_tables_match_the_configs_and_the_code(name: str) -> None:
    found = blocks(TEXT)
    assert name in found, f"docs/contract.md has no <!-- generated: {name} --> block"
    assert found[name] == TABLES[name]() + "\n", (
        f"the {name} table of docs/contract.md is out of date: "
        "run `python tests/docs/contract_tables.py` and read the diff"
    )


def test_every_generated_block_has_a_generator() -> None:
    assert sorted(blocks(TEXT)) == sorted(TABLES)


def test_the_sections_are_numbered_one_to_ten() -> None:
    top = sorted(int(s) for s in _sections() if "." not in s)
    assert top == list(range(1, 11))
    assert {"4.1", "4.2", "4.3", "4.4", "4.5", "4.6"} <= _sections()


def test_every_citation_names_a_section_of_the_contract() -> None:
    sections = _sections()
    cited: dict[str, list[str]] = {}
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        rel = str(path.relative_to(ROOT))
        for m in re.finditer(r"contract (?:\\u00a7|§)(\d+(?:\.\d+)?)((?:[-–,] ?§\d+(?:\.\d+)?)*)",
                             text):
            numbers = [m.group(1), *re.findall(r"§(\d+(?:\.\d+)?)", m.group(2))]
            for n in numbers:
                cited.setdefault(n, []).append(rel)
    assert len(cited) >= 10, "the code cites the contract: the scan found too little"
    unknown = {n: where for n, where in cited.items() if n not in sections}
    assert unknown == {}


def test_no_citation_points_outside_the_repository() -> None:
    # The specification and design notes the project started from are not in the
    # repository; a citation of them cannot be followed.
    stale = []
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in (r"\bSPEC(\.md)? ?(§|\\u00a7)", r"\bDESIGN(\.md)? ?(§|\\u00a7)",
                        r"\bSPEC\.md\b", r"\bDESIGN\.md\b"):
            if re.search(pattern, text):
                stale.append(str(path.relative_to(ROOT)))
    assert stale == []
