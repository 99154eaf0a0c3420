"""Which task runner a flow uses: a bounded thread pool here, or a Dask cluster.

The choice is configuration, not code: `LIAISON_DASK_ADDRESS` (a running
`dask scheduler`, e.g. `tcp://10.0.0.5:8786`) sends mapped tasks to that cluster;
without it tasks run in a thread pool bounded by `LIAISON_FLOW_WORKERS` (default: the
CPU count, at most 4). Prefect's own `ThreadPoolTaskRunner()` is unbounded, which on a
small machine means one SQLite writer per partition fighting over the same lock.
"""

from __future__ import annotations

import os
from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

DASK_ADDRESS_ENV = "LIAISON_DASK_ADDRESS"
WORKERS_ENV = "LIAISON_FLOW_WORKERS"
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """Thread-pool size: `LIAISON_FLOW_WORKERS`, else min(CPU count, 4)."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured:
        workers = int(configured)
        if workers < 1:
            raise ValueError(f"{WORKERS_ENV} must be a positive integer, not {configured!r}")
        return workers
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


def dask_address() -> str | None:
    """The Dask scheduler address from the environment, if one is set."""
    address = os.environ.get(DASK_ADDRESS_ENV, "").strip()
    return address or None


def dask_runner(address: str) -> TaskRunner[Any]:
    """A runner that submits tasks to the Dask scheduler at `address`.

    prefect-dask is imported here, not at module level: the thread-pool path should not
    pay for importing dask.distributed.
    """
    from prefect_dask.task_runners import DaskTaskRunner

    runner: TaskRunner[Any] = DaskTaskRunner(address=address)
    return runner


def thread_runner(max_workers: int | None = None) -> TaskRunner[Any]:
    """A thread pool bounded by `max_workers`, else `default_workers()`."""
    runner: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=max_workers or default_workers())
    return runner


def choose_runner(address: str | None = None, max_workers: int | None = None) -> TaskRunner[Any]:
    """The runner for a flow: Dask when an address is given or configured, else threads."""
    address = address or dask_address()
    if address:
        return dask_runner(address)
    return thread_runner(max_workers)
