"""Frozen models of the rules: matchers, conditions, deadlines, the three kinds of step,
overlays and the resolved `Template`.

The YAML files are validated into these models, so the national framework and every
overlay share one vocabulary of fields. Conditions are data, never code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator

from engine.calendar import WorkingCalendar, end_of_day, local_date

# Defined in engine.terms; re-exported because the step models are typed with them.
from engine.contacts import AreaNotify, ScrutinyGroup, Spocs
from engine.model import Model as Model
from engine.model import only_key as _only_key
from engine.terms import FLAG_STATUSES as FLAG_STATUSES
from engine.terms import Owner as Owner
from engine.terms import Severity as Severity
from engine.terms import Status as Status


class Unit(StrEnum):
    working_days = "working_days"
    calendar_days = "calendar_days"
    hours = "hours"


class Standard(StrEnum):
    partnership = "partnership"
    processes = "processes"
    supporting_victims = "supporting_victims"


class Verification(StrEnum):
    verified = "verified"
    secondary = "secondary"
    assumed = "assumed"


class Deadline(Model):
    """`within` N `unit` of the trigger (contract §4.1)."""

    within: int = Field(gt=0, le=3650)
    unit: Unit

    def due(self, trigger: datetime, calendar: WorkingCalendar) -> datetime:
        """The due instant for a trigger at `trigger`."""
        if self.unit is Unit.hours:
            # Elapsed time: aware-datetime arithmetic in a zone with clock changes is
            # wall-clock arithmetic, so add the hours in UTC and convert back.
            utc = trigger.astimezone(UTC) + timedelta(hours=self.within)
            return utc.astimezone(trigger.tzinfo)
        day = local_date(trigger)
        if self.unit is Unit.working_days:
            return end_of_day(calendar.add_working_days(day, self.within))
        return end_of_day(day + timedelta(days=self.within))

    def describe(self) -> str:
        noun = {Unit.working_days: "working day", Unit.calendar_days: "calendar day",
                Unit.hours: "hour"}[self.unit]
        return f"{self.within} {noun}{'' if self.within == 1 else 's'}"


class Comparison(Model):
    """A numeric comparison on an event data field: `{gte: 12}`, `{lte: 3}`."""

    gte: int | None = None
    lte: int | None = None

    def test(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        return (self.gte is None or value >= self.gte) and (self.lte is None or value <= self.lte)


Scalar = str | bool | int
DataValue = Scalar | list[Scalar] | Comparison


class Matcher(Model):
    """An event type plus optional data equalities (a list means any of)."""

    type: str
    data: dict[str, DataValue] = Field(default_factory=dict)

    def describe(self) -> str:
        if not self.data:
            return self.type
        parts = []
        for k, v in self.data.items():
            if isinstance(v, list):
                parts.append(f"{k}: [{', '.join(_scalar(x) for x in v)}]")
            elif isinstance(v, Comparison):
                ops = [f"{op} {n}" for op, n in (("≥", v.gte), ("≤", v.lte)) if n is not None]
                parts.append(f"{k} {' and '.join(ops)}")
            else:
                parts.append(f"{k}: {_scalar(v)}")
        return f"{self.type}{{{', '.join(parts)}}}"


def _scalar(v: Scalar) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


# --- conditions ---------------------------------------------------------------------

class CaseCondition(Model):
    """`{case: {field: value}}` on a case fact: offence, complainant_age, area, stage."""

    case: dict[Literal["offence", "complainant_age", "area", "stage"], str | list[str]]


class ConsentCondition(Model):
    """`{consent: share_with_isva}`: the latest record for that scope grants consent."""

    consent: Literal["share_with_isva", "referral"]


class PreferenceCondition(Model):
    """`{preference: {field: value}}`: the latest recorded value of that preference."""

    preference: dict[str, Scalar | list[Scalar]]


class InPreference(Model):
    in_preference: str


class NotPreference(Model):
    not_preference: str


PreferenceRef = Annotated[
    Annotated[InPreference, Tag("in_preference")] | Annotated[NotPreference, Tag("not_preference")],
    Discriminator(lambda v: _only_key(v, ("in_preference", "not_preference"))),
]


class EventCondition(Model):
    """`{event: {field: {in_preference: X}}}` or `{... {not_preference: X}}`."""

    event: dict[str, PreferenceRef]


class AllCondition(Model):
    all: list[Condition]


class AnyCondition(Model):
    any: list[Condition]


class NotCondition(Model):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    not_: Condition = Field(alias="not")


_CONDITION_KEYS = ("case", "consent", "preference", "event", "all", "any", "not")


Condition = Annotated[
    (
        Annotated[CaseCondition, Tag("case")]
        | Annotated[ConsentCondition, Tag("consent")]
        | Annotated[PreferenceCondition, Tag("preference")]
        | Annotated[EventCondition, Tag("event")]
        | Annotated[AllCondition, Tag("all")]
        | Annotated[AnyCondition, Tag("any")]
        | Annotated[NotCondition, Tag("not")]
    ),
    Discriminator(
        lambda v: _only_key(v, _CONDITION_KEYS),
        custom_error_type="condition",
        custom_error_message=(
            "a condition is one of case, consent, preference, event, all, any, not"),
    ),
]
AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()


# --- steps ----------------------------------------------------------------------------

class StepBase(Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    owner: Owner
    standard: Standard
    basis: str
    source: str
    verification: Verification
    minimum: bool
    severity: Severity
    local: bool = False  # declared by an overlay, not part of the national framework
    # The Victims' Code (2020) right the step serves, 1-12 (engine.rights), or none.
    victims_code_right: int | None = Field(default=None, ge=1, le=12)


def _as_list(v: Any) -> Any:
    return v if isinstance(v, list) or v is None else [v]


class DeadlineStep(StepBase):
    kind: Literal["deadline"] = "deadline"
    trigger: list[Matcher] = Field(min_length=1)
    satisfied_by: Matcher
    cancelled_by: list[Matcher] = Field(default_factory=list)
    when: Condition | None = None
    deadline: Deadline

    _norm_trigger = field_validator("trigger", "cancelled_by", mode="before")(_as_list)


class Every(Model):
    days: int = Field(gt=0, le=3650)


class RecurringStep(StepBase):
    """A contact due every N days from a start until a stop (contract §4.2).

    `scope: area` marks an area-level step (the scrutiny group cadence), which has no
    start event: its first gap begins when the area's overlay takes effect.
    """

    kind: Literal["recurring"] = "recurring"
    scope: Literal["case", "area"] = "case"
    start: Matcher | None = None
    stop: list[Matcher] = Field(default_factory=list)
    stop_stages: list[str] = Field(default_factory=list)
    satisfied_by: Matcher
    every: Every
    interval_preference: str | None = None
    pause: Matcher | None = None
    resume: Matcher | None = None

    _norm_stop = field_validator("stop", mode="before")(_as_list)


class ProhibitionStep(StepBase):
    """An event that must not happen when a condition says so (contract §4.3).

    Exactly one of `unless` (violated when the condition is false) and `violates_when`
    (violated when it is true).
    """

    kind: Literal["prohibition"] = "prohibition"
    event: Matcher
    unless: Condition | None = None
    violates_when: Condition | None = None


Step = Annotated[DeadlineStep | RecurringStep | ProhibitionStep, Field(discriminator="kind")]
AnyStep = DeadlineStep | RecurringStep | ProhibitionStep


# --- overlays ---------------------------------------------------------------------------

class Derogation(Model):
    """Permission to go below the national floor: who approved it, why, until when."""

    justification: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    expires: date


class CalendarConfig(Model):
    extra_non_working_days: list[date] = Field(default_factory=list)


class DisabledStep(Model):
    step: str
    derogation: Derogation | None = None


class Overlay(Model):
    """An area's YAML file (contract §6). `steps` values stay raw here: the builder merges
    them field by field onto the national steps and validates the result."""

    area: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    cps_area: str | list[str]
    framework_version: str
    effective_from: date
    spocs: Spocs
    scrutiny_group: ScrutinyGroup
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    steps: dict[str, dict[str, Any]] = Field(default_factory=dict)
    disabled: list[DisabledStep] = Field(default_factory=list)
    notify: AreaNotify | None = None
    # True for an example overlay that is not the area's real policy: every page that
    # shows the area's figures says so.
    illustrative: bool = False


# --- the resolved template ------------------------------------------------------------

class Provenance(Model):
    """Where one resolved field came from."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


class Template(Model):
    """The steps in force for one area from `effective_from` (contract §2 "template").

    `version` names the config version: the framework version for national-only, plus the
    overlay's content hash when an overlay applies.
    """

    area: str
    framework_version: str
    version: str
    effective_from: datetime
    steps: tuple[Annotated[AnyStep, Field(discriminator="kind")], ...]
    extra_non_working_days: frozenset[date] = frozenset()
    has_overlay: bool = False
    provenance: dict[str, dict[str, Provenance]] = Field(default_factory=dict)
    derogations: dict[str, Derogation] = Field(default_factory=dict)


class StageRule(Model):
    """A case stage and the events that set it (contract §4.5); `label` is its name for
    people (the id when not given)."""

    id: str
    label: str = ""
    closed: bool = False
    set_by: list[Matcher]

    @property
    def name(self) -> str:
        return self.label or self.id
