"""`liaison --help` (and a subcommand's) loads neither the columnar engine nor a
columnar driver: they cost a noticeable fraction of a second and help needs none."""

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
sys.argv = ["liaison", *json.loads(sys.argv[1])]
from engine.cli.app import main
try:
    main()
except SystemExit:
    pass
heavy = {"polars", "numpy", "pyarrow", "adbc_driver_manager", "adbc_driver_sqlite",
         "adbc_driver_postgresql", "engine"}
loaded = sorted({m for m in sys.modules if m.split(".")[0] in heavy}
                & {"polars", "numpy", "pyarrow", "adbc_driver_manager", "adbc_driver_sqlite",
                   "adbc_driver_postgresql", "engine.batch"})
print("LOADED=" + json.dumps(loaded))
"""


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["sweep", "--help"]])
def test_help_imports_no_columnar_package(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)],
                          capture_output=True, text=True, timeout=120, check=True)
    marker = [line for line in done.stdout.splitlines() if line.startswith("LOADED=")]
    assert marker, done.stdout + done.stderr
    assert json.loads(marker[-1].removeprefix("LOADED=")) == []
