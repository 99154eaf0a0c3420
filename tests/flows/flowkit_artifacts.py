"""Reading a flow run's artifacts and logs back through the Prefect client, as the UI does."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
)


def artifact_data(flow_run_id: UUID, key: str) -> Any:
    """The data of the artifact `key` created by the flow run (a table comes back as a
    list of row dicts, markdown as text)."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[key]),
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    assert len(found) == 1, f"{len(found)} artifacts {key!r} for run {flow_run_id}"
    data = found[0].data
    if found[0].type == "table" and isinstance(data, str):
        return json.loads(data)
    return data


def run_log_messages(flow_run_id: UUID) -> list[str]:
    """The messages in a flow run's log as the API has them (queued lines sent first)."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(
            flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
    return [entry.message for entry in logs]
