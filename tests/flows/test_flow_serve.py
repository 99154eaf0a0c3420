"""The served deployments: schedules, parameters and limits, and the CLI's fast failure
without a Prefect API."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from flows.serve import deployments


def test_sweep_nightly_at_two_london_time_and_ingest_every_fifteen_minutes(
        tmp_path: Path) -> None:
    sweep, ingest, notify = deployments(tmp_path / "drop")
    assert (sweep.name, sweep.flow_name) == ("nightly", "sweep")
    assert (sweep.entrypoint, ingest.entrypoint) == ("flows.sweep.sweep_flow",
                                                     "flows.ingest.ingest_flow")
    [nightly] = sweep.schedules
    assert (nightly.schedule.cron, nightly.schedule.timezone) == ("0 2 * * *", "Europe/London")
    assert (ingest.name, ingest.flow_name) == ("drop-folder", "ingest")
    [every] = ingest.schedules
    assert every.schedule.interval == timedelta(minutes=15)
    assert ingest.parameters == {"drop_dir": str((tmp_path / "drop").resolve())}
    assert ingest.concurrency_limit == 1
    assert (tmp_path / "drop").is_dir()
    # notify: every 15 minutes, and at each digest time on weekdays (South Wales 07:30,
    # national 08:00), one run at a time
    assert (notify.name, notify.flow_name, notify.entrypoint) == (
        "spocs", "notify", "flows.notify.notify_flow")
    interval, *crons = notify.schedules
    assert interval.schedule.interval == timedelta(minutes=15)
    assert [(c.schedule.cron, c.schedule.timezone) for c in crons] == [
        ("30 7 * * 1-5", "Europe/London"), ("0 8 * * 1-5", "Europe/London")]
    assert notify.concurrency_limit == 1


@pytest.mark.parametrize("command, prog", [
    (["-c", "from engine.cli.app import main; main()", "flows", "serve"], "liaison flows serve"),
    (["-m", "flows.serve"], "python -m flows.serve"),
])
def test_serving_without_an_api_fails_fast_with_a_next_step(
        tmp_path: Path, command: list[str], prog: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    done = subprocess.run([sys.executable, *command, "--drop-dir", str(tmp_path / "drop")],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"{prog}: no Prefect API to serve against. Start one with "
                           "`prefect server start` and set "
                           "PREFECT_API_URL=http://127.0.0.1:4200/api\n")
