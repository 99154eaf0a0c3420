"""Which runner the flows get: a bounded thread pool, or Dask when an address is set."""

from __future__ import annotations

import os

import pytest
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask.task_runners import DaskTaskRunner

from flows.runners import choose_runner, default_workers


def test_without_an_address_the_thread_pool_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIAISON_DASK_ADDRESS", raising=False)
    monkeypatch.delenv("LIAISON_FLOW_WORKERS", raising=False)
    runner = choose_runner()
    assert isinstance(runner, ThreadPoolTaskRunner)
    assert runner._max_workers == default_workers() == max(1, min(os.cpu_count() or 1, 4))
    monkeypatch.setenv("LIAISON_FLOW_WORKERS", "3")
    assert choose_runner()._max_workers == 3
    monkeypatch.setenv("LIAISON_FLOW_WORKERS", "0")
    with pytest.raises(ValueError, match="LIAISON_FLOW_WORKERS must be a positive integer"):
        choose_runner()


def test_an_address_in_the_environment_sends_tasks_to_dask(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_DASK_ADDRESS", "tcp://10.0.0.5:8786")
    runner = choose_runner()
    assert isinstance(runner, DaskTaskRunner)
    assert runner.address == "tcp://10.0.0.5:8786"
