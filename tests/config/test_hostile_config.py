"""Hostile config is refused quickly (issue 10 §3): alias bombs, alias loops, deep
nesting, huge files and huge numbers are each a file:line:col problem. The limits are
held by the operating system: the refusals run in a child process whose address space and
CPU time are capped (RLIMIT_AS, RLIMIT_CPU), so a file that expanded would kill it."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from engine.config.loader import MAX_BYTES, MAX_DEPTH, parse
from tests.config.configkit import NATIONAL, ROOT

KENT = (ROOT / "area_configs" / "areas" / "kent.yaml").read_text(encoding="utf-8")
MEMORY = 768 << 20  # bytes of address space for the whole child (Python and its imports)
CPU_SECONDS = 60  # for all the files together; each is refused in well under a second


def bomb(levels: int) -> str:
    """The billion-laughs shape: each level a list of nine aliases of the level before."""
    out = "x_bomb:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, levels):
        out += f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
    return out


HOSTILE: dict[str, tuple[str, str]] = {  # stem -> (text appended to kent's, the problem)
    "bomb-small": (bomb(9),
                   "{f}:{n1}:7: error: invalid YAML: anchors and aliases (&name, *name) are not "
                   "allowed here; write the value out"),
    "bomb-large": (bomb(10) + "  x: " + "y" * 200 + "\n",
                   "{f}:{n1}:7: error: invalid YAML: anchors and aliases (&name, *name) are not "
                   "allowed here; write the value out"),
    "loop": ("x_loop: &loop {self: *loop}\n",
             "{f}:{n}:9: error: invalid YAML: anchors and aliases (&name, *name) are not "
             "allowed here; write the value out"),
    "nested": ("x_deep: " + "[" * 50_000 + "]" * 50_000 + "\n",
               f"{{f}}:{{n}}:{MAX_DEPTH + 8}: error: invalid YAML: nested more than {MAX_DEPTH} "
               "levels deep"),
    "nested-block": ("x_deep:\n" + "".join(" " * i + "- \n" for i in range(1, 400)),
                     f"{{f}}:{{nd}}:{MAX_DEPTH + 1}: error: invalid YAML: nested more than "
                     f"{MAX_DEPTH} levels deep"),
    "digits": ("x_big: " + "9" * 5000 + "\n",
               "{f}:{n}:8: error: a number of more than 4,000 digits"),
    "huge": ("x_pad: |\n" + ("  " + "z" * 78 + "\n") * ((50 << 20) // 81),  # 50 MB
             "{f}:1:1: error: the file is {size} bytes; a config file may be at most "
             f"{MAX_BYTES:,}"),
}


def _tree(root: Path) -> dict[str, str]:
    """One config tree per hostile overlay; the expected problem for each."""
    expected: dict[str, str] = {}
    for stem, (extra, problem) in HOSTILE.items():
        tree = root / stem
        shutil.copytree(NATIONAL, tree / "national")
        (tree / "areas").mkdir()
        path = tree / "areas" / "kent.yaml"
        text = KENT + extra
        path.write_text(text, encoding="utf-8")
        n = KENT.count("\n") + 1
        expected[stem] = problem.format(f=path, n=n, n1=n + 1, nd=n + MAX_DEPTH,
                                        size=f"{path.stat().st_size:,}")
    return expected


_CHILD = """
import json, sys
from pathlib import Path
from engine.config import load_config
from engine.errors import ConfigError
out = {}
for tree in sorted(Path(sys.argv[1]).iterdir()):
    try:
        load_config(tree)
        out[tree.name] = []
    except ConfigError as exc:
        out[tree.name] = [p.render() for p in exc.problems if p.severity == "error"]
print(json.dumps(out))
"""


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def test_each_hostile_overlay_is_a_located_problem_within_memory_and_cpu_limits(
        tmp_path: Path) -> None:
    expected = _tree(tmp_path)
    child = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path)], capture_output=True,
                           text=True, preexec_fn=_limits, cwd=ROOT, timeout=600, check=False)
    assert child.returncode == 0, child.stderr[-3000:]
    got = json.loads(child.stdout)
    assert got == {stem: [problem] for stem, problem in expected.items()}


def test_validate_refuses_a_bomb_with_exit_2_within_the_limits(tmp_path: Path) -> None:
    expected = _tree(tmp_path)
    child = subprocess.run([sys.executable, "-c", "from engine.cli.app import main; main()",
                            "config", "validate", str(tmp_path / "bomb-large")],
                           capture_output=True, text=True, preexec_fn=_limits, cwd=ROOT,
                           timeout=600, check=False)
    assert child.returncode == 2, child.stderr[-3000:]
    assert expected["bomb-large"] in " ".join((child.stdout + child.stderr).split())
    assert "Traceback" not in child.stderr


def test_the_national_files_may_alias_single_values_but_not_lists() -> None:
    ok = parse("a: &x one\nb: *x\n", "national/framework.yaml", aliases=True)
    assert ok.problems == [] and ok.get(("b",)) == "one"
    bad = parse("a: &x [1, 2]\nb: *x\n", "national/framework.yaml", aliases=True)
    assert [p.render() for p in bad.problems] == [
        "national/framework.yaml:2:4: error: invalid YAML: an alias may repeat a single value "
        "only, not a list or a mapping"]
    overlay = parse("a: &x one\nb: *x\n", "areas/kent.yaml")
    assert [p.render() for p in overlay.problems] == [
        "areas/kent.yaml:1:4: error: invalid YAML: anchors and aliases (&name, *name) are not "
        "allowed here; write the value out"]
