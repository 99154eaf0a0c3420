"""Engine logging: every logger lands under `liaison` (where Prefect's run-log handler
is attached), rendered with the bound area and case, and never on stdout."""

import json
import logging

import structlog

from engine.logging import bound_contextvars, configure_logging


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_engine_lines_carry_the_bound_area_and_case_under_the_liaison_logger(capsys) -> None:
    configure_logging("INFO", json=True, force=True)
    keep = _Keep()
    logging.getLogger("liaison").addHandler(keep)
    try:
        with bound_contextvars(area="kent", case="KE-26-000042"):
            structlog.get_logger("engine.sweep").info("swept", cases=3)
        structlog.get_logger("engine.sweep").debug("not shown at INFO")
    finally:
        logging.getLogger("liaison").removeHandler(keep)
    [record] = keep.records
    assert record.name == "liaison.engine.sweep"
    line = json.loads(record.getMessage())
    assert {k: line[k] for k in ("event", "area", "case", "cases", "level", "logger")} == {
        "event": "swept", "area": "kent", "case": "KE-26-000042", "cases": 3, "level": "info",
        "logger": "liaison.engine.sweep"}
    captured = capsys.readouterr()
    assert captured.out == ""
