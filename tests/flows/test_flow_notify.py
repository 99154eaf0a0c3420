"""notify_flow as a real flow run: an incremental sweep, then the same messages as
`liaison notify send`, delivered to a real SMTP server and webhook receiver."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from flows import notify_flow
from tests.flows.flowkit import ROOT
from tests.flows.flowkit_artifacts import artifact_data
from tests.notify.scenario import AS_OF, build
from tests.notify.sinks import HttpSink, SmtpSink


def test_notify_flow_sweeps_then_sends_alerts_and_digests(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    smtp, hook = SmtpSink(), HttpSink()
    monkeypatch.setenv("LIAISON_SMTP_URL", smtp.start())
    monkeypatch.setenv("SOUTH_WALES_POLICE_TEAMS_WEBHOOK", hook.start())
    try:
        s = build(tmp_path, as_of=AS_OF - timedelta(hours=2))  # the flow's sweep catches up
        state = notify_flow(as_of=AS_OF, db_url=s.url, config_dir=str(ROOT / "area_configs"),
                            return_state=True)
        assert state.is_completed(), state.message
        result = state.result()
        assert result["messages"] == [
            {"kind": "alert", "recipient": "greater-manchester/police", "items": 1},
            {"kind": "alert", "recipient": "south-wales/police", "items": 1},
            {"kind": "digest", "recipient": "south-wales/cps", "items": 1},
            {"kind": "digest", "recipient": "south-wales/police", "items": 4}]
        assert result["deliveries"] == {"sent": 6}
        assert len(smtp.received) == 4 and len(hook.requests) == 2
        md = artifact_data(state.state_details.flow_run_id, "notify-summary")
        assert "| digest | south-wales/police | 4 |" in md
        again = notify_flow(as_of=AS_OF, db_url=s.url, config_dir=str(ROOT / "area_configs"))
        assert again["messages"] == [] and again["deliveries"] == {}
        assert len(smtp.received) == 4
    finally:
        smtp.stop()
        hook.stop()
