"""`liaison notify --dry-run | send | log`: output, what is written, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.store import notify_messages
from engine.store.db import engine_for, reading
from tests.notify.scenario import AS_OF, build
from tests.notify.sinks import HttpSink, SmtpSink

WHEN = AS_OF.isoformat()


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def messages(url: str) -> int:
    with reading(engine_for(url)) as conn:
        return int(conn.execute(select(func.count()).select_from(notify_messages)).scalar_one())


def test_dry_run_prints_what_would_be_sent_and_writes_nothing(tmp_path: Path) -> None:
    s = build(tmp_path)
    code, out, _ = run("notify", "--dry-run", "--db", s.url, "--as-of", WHEN,
                       "--area", "greater-manchester")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("=== alert to greater-manchester/police via "
                        "email:rasso-spoc@gmp.police.example")
    assert lines[1] == ("Subject: [liaison] Alert 2026-11-24 for Rape and Serious Sexual "
                        "Offences SPOC (greater-manchester): 1 item (1 due soon)")
    assert lines[-1] == ("1 message(s) (1 alert, 0 digest, 0 escalation) with 1 item(s); "
                         "1 earlier flag(s) taken as already known; 0 item(s) with no recipient")
    assert messages(s.url) == 0


def test_send_then_log(tmp_path: Path, smtp: SmtpSink, hook: HttpSink) -> None:
    s = build(tmp_path)
    code, out, _ = run("notify", "send", "--db", s.url, "--as-of", WHEN)
    assert (code, out) == (0, "4 new message(s) with 7 item(s); 7 earlier flag(s) taken as "
                              "already known; deliveries: sent 6\n")
    code, out, _ = run("notify", "log", "--db", s.url, "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 6
    assert sorted((r["recipient"], r["channel"], r["state"], tuple(r["attempts"]))
                  for r in rows)[:2] == [
        ("greater-manchester/police", "email:rasso-spoc@gmp.police.example", "sent",
         ("sent",)),
        ("south-wales/cps", "email:rasso@cps-wales.example", "sent", ("sent",))]
    code, out, _ = run("notify", "log", "--db", s.url, "--area", "greater-manchester")
    assert code == 0 and out.splitlines()[-1] == "1 delivery"
    assert "greater-manchester/police" in out.splitlines()[0]


def test_a_delivery_that_fails_for_good_exits_1(tmp_path: Path, smtp: SmtpSink) -> None:
    s = build(tmp_path)
    smtp.mode = "refuse-perm"
    code, out, _ = run("notify", "send", "--db", s.url, "--as-of", WHEN,
                       "--area", "greater-manchester")
    assert (code, out) == (1, "1 new message(s) with 1 item(s); 1 earlier flag(s) taken as "
                              "already known; deliveries: failed 1\n")


def test_bad_input_exits_2_and_names_it(tmp_path: Path) -> None:
    s = build(tmp_path)
    code, out, err = run("notify", "--dry-run", "--db", s.url, "--area", "south-wale")
    assert (code, out) == (2, "")
    assert "--area 'south-wale' is not a police force area in the register" in err
    assert "south-wales" in err
    code, out, err = run("notify", "send", "--db", s.url, "--as-of", "tuesday")
    assert (code, out) == (2, "") and "--as-of 'tuesday'" in err
    code, out, err = run("notify")
    assert (code, out) == (2, "") and "--dry-run" in err
