"""The CLI must not import Prefect: it costs a second or more per command, and a stray
flow call would start Prefect's temporary server (10-30 s). Only `liaison flows serve`
loads it, inside the command. Nor, for help, the columnar stack (polars, numpy, ADBC):
the commands that judge or read in columns import it when they run."""

import json
import subprocess
import sys

PROBE = """
import json, sys
sys.argv = ["liaison", *json.loads(sys.argv[1])]
from engine.cli.app import main
try:
    main()
except SystemExit:
    pass
loaded = sorted({m.split(".")[0] for m in sys.modules} & {
    "prefect", "prefect_dask", "distributed",
    "polars", "numpy", "pyarrow", "adbc_driver_manager", "adbc_driver_postgresql"})
print("LOADED=" + json.dumps(loaded))
"""


def _loaded_after(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))],
                          capture_output=True, text=True, timeout=120, check=True)
    marker = [line for line in done.stdout.splitlines() if line.startswith("LOADED=")]
    assert marker, done.stdout + done.stderr
    return list(json.loads(marker[-1].removeprefix("LOADED=")))


def test_liaison_help_does_not_import_prefect() -> None:
    assert _loaded_after("--help") == []


def test_liaison_flows_help_does_not_import_prefect() -> None:
    assert _loaded_after("flows", "serve", "--help") == []
