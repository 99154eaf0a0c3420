"""Area-level steps: the scrutiny group's cadence, per area, from its overlay's start."""

from __future__ import annotations

from pathlib import Path

from engine.config import load_config
from engine.evaluate import evaluate_area
from engine.events import parse_event, parse_timestamp

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "area_configs")


def _meeting(eid: str, area: str, at: str):  # noqa: ANN202
    return parse_event({"event_id": eid, "area": area, "type": "area.scrutiny_meeting_held",
                        "at": at, "source": "police", "data": {}}, CONFIG.vocabulary)


def _rows(area: str, events: list, as_of: str) -> list[list]:  # noqa: ANN001
    out = evaluate_area(CONFIG.rules(), area, events, parse_timestamp(as_of))
    return [[i.area, i.step, i.status.value, i.trigger_event, i.due_local, i.satisfied_by] for i in out]


MEETINGS = [
    _meeting("m-sw-1", "south-wales", "2026-06-15T18:00:00+01:00"),
    _meeting("m-la-1", "lancashire", "2026-06-15T18:00:00+01:00"),
    _meeting("m-bd-1", "bedfordshire", "2026-06-15T18:00:00+01:00"),
]


def test_scrutiny_cadence_starts_when_the_overlay_takes_effect() -> None:
    assert _rows("south-wales", MEETINGS, "2026-10-01T12:00:00+01:00") == [
        ["south-wales", "scrutiny_group_meets", "met", None, "2026-07-02T23:59:59.999000+01:00", "m-sw-1"],
        ["south-wales", "scrutiny_group_meets", "missed", "m-sw-1", "2026-09-15T23:59:59.999000+01:00", None],
    ]


def test_a_shorter_local_cadence_makes_the_same_meeting_late() -> None:
    assert _rows("lancashire", MEETINGS, "2026-08-15T12:00:00+01:00") == [
        ["lancashire", "scrutiny_group_meets", "late", None, "2026-06-01T23:59:59.999000+01:00", "m-la-1"],
        ["lancashire", "scrutiny_group_meets", "due_soon", "m-la-1", "2026-08-15T23:59:59.999000+01:00", None],
    ]


def test_no_area_instances_without_an_overlay_or_before_it() -> None:
    assert _rows("bedfordshire", MEETINGS, "2026-10-01T12:00:00+01:00") == []
    assert _rows("south-wales", MEETINGS, "2026-03-31T23:00:00+01:00") == []


def test_another_areas_meeting_does_not_count() -> None:
    only_other = [m for m in MEETINGS if m.area != "south-wales"]
    assert _rows("south-wales", only_other, "2026-07-03T00:00:00+01:00") == [
        ["south-wales", "scrutiny_group_meets", "missed", None, "2026-07-02T23:59:59.999000+01:00", None],
    ]


def test_explanations_give_the_year_of_dates_outside_the_year_of_evaluation() -> None:
    (inst, _) = evaluate_area(CONFIG.rules(), "south-wales", MEETINGS,
                              parse_timestamp("2027-01-05T12:00:00+00:00"))
    assert inst.explanation.startswith(
        "Period from the area's configuration taking effect on Wed 1 Apr 2026 00:00; the Local "
        "Multi-Agency Rape Strategic and Scrutiny Group meets: every 92 days, so due by the end "
        "of Thu 2 Jul 2026; done by area.scrutiny_meeting_held (event m-sw-1) on Mon 15 Jun 2026 "
        "18:00: in time.")
