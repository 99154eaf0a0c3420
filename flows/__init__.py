"""Prefect flows: orchestration around the engine's public functions.

The flows schedule, retry, map and publish artifacts; every decision (what an event
means, what is late, what a report says) is the engine's. Importing this package
imports Prefect, so nothing in `engine/` or the CLI's import path may import it.
"""

import os

# Prefect reads this when it is first imported: engine lines (the `liaison` loggers) then
# go to the run logs as well as stderr. An explicit setting, even empty, wins.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "liaison")

from flows.deploy import deploy_flow  # noqa: E402
from flows.ingest import ingest_flow  # noqa: E402
from flows.notify import notify_flow  # noqa: E402
from flows.report import national_report_flow  # noqa: E402
from flows.sweep import sweep_flow  # noqa: E402

__all__ = ["deploy_flow", "ingest_flow", "national_report_flow", "notify_flow", "sweep_flow"]
