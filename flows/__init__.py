"""Prefect flows: orchestration around the engine's public functions.

The flows schedule, retry, map and publish artifacts; every decision (what an event
means, what is late, what a report says) is the engine's. Importing this package
imports Prefect, so nothing in `engine/` or the CLI's import path may import it.
"""

from flows.deploy import deploy_flow
from flows.ingest import ingest_flow
from flows.report import national_report_flow
from flows.sweep import sweep_flow

__all__ = ["deploy_flow", "ingest_flow", "national_report_flow", "sweep_flow"]
