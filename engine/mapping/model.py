"""What a source mapping file says (`area_configs/mappings/<name>.yaml`).

A mapping turns one source system's extract (CSV or XLSX, its own column names, local
codes and local-time timestamps) into events of the vocabulary. The models say only the
shape; `engine.mapping.loader` checks every name against the vocabulary and the register
with file:line:col positions, and the JSON Schema is generated from these classes.

Why every value is a `{column: ...}` or `{value: ...}` mapping rather than a bare
string: a bare string would be ambiguous (a column name, or a fixed event type?), and
an extract's column names are free text the mapping author does not control.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Scalar = str | int | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ValueFrom(_Strict):
    """Where one value comes from: a fixed `value`, or a `column` of the row (through a
    value map, a date format or a list separator when the field needs one)."""

    column: str | None = Field(default=None, min_length=1, description="A column of the extract.")
    value: Scalar | None = Field(default=None, description="A fixed value instead of a column.")
    map: str | None = Field(default=None, min_length=1, description=(
        "A value map's name (under value_maps), or 'register' for the force register "
        "(an area's name or id). A code the map does not list is rejected, never guessed."))
    format: str | None = Field(default=None, min_length=1, description=(
        "For date fields: the strptime format of the cell (default %Y-%m-%d)."))
    separator: str | None = Field(default=None, min_length=1, description=(
        "For list fields: what separates the items in the cell (default ';')."))


class When(_Strict):
    """An event rule applies only to rows where `column` has a value (in `in`, if given)."""

    column: str = Field(min_length=1)
    in_: list[str] | None = Field(default=None, alias="in", description=(
        "The codes for which the rule applies (default: any value)."))


class EventRule(_Strict):
    """How a row becomes one event: its type (fixed, or a column through a value map
    whose code may map to null: no event), its instant and its data fields."""

    type: ValueFrom = Field(description="{value: TYPE} or {column: C, map: M}.")
    at: ValueFrom = Field(description="{column: C}: the event's local or offset timestamp.")
    when: When | None = None
    data: dict[str, ValueFrom] = Field(default_factory=dict, description=(
        "Data field -> where its value comes from. A field the chosen type does not have "
        "must be empty in the row."))


class Format(_Strict):
    """The input format. CSV takes a delimiter and an encoding; XLSX an optional sheet."""

    type: Literal["csv", "xlsx"]
    delimiter: str | None = Field(default=None, min_length=1, max_length=1, description=(
        "CSV only (default ',')."))
    encoding: str | None = Field(default=None, min_length=1, description=(
        "CSV only: a Python codec name such as utf-8 or cp1252 (default utf-8). A UTF-8 "
        "byte order mark is dropped when the encoding is utf-8 and refused otherwise."))
    sheet: str | None = Field(default=None, min_length=1, description=(
        "XLSX only: the sheet's name (default the first sheet)."))


class Timestamps(_Strict):
    """How timestamp cells are read.

    A value without an offset is local time in `timezone`. In Europe/London the clocks go
    forward at 01:00 on the last Sunday of March, so 01:00-01:59 that day does not exist:
    such a value is always rejected. They go back at 02:00 on the last Sunday of October,
    so 01:00-01:59 happens twice: `ambiguous` says which one is meant (default the
    earlier, still on summer time), or `reject`.
    """

    formats: list[str] = Field(min_length=1, description=(
        "strptime formats tried in order; one with %z reads a value with its own offset."))
    timezone: str = Field(default="Europe/London", description="For values without an offset.")
    ambiguous: Literal["earlier", "later", "reject"] = Field(default="earlier", description=(
        "The repeated hour when the clocks go back: the earlier (summer time) or later "
        "(winter time) instant, or reject the row."))
    date_only: Literal["reject", "start_of_day", "end_of_day"] = Field(
        default="reject", description=(
            "A cell holding only a date (one of date_formats): reject it, or take 00:00:00 "
            "or 23:59:59 local time that day."))
    date_formats: list[str] = Field(default_factory=list, description=(
        "strptime formats of date-only values (needed unless date_only is reject)."))


class CaseId(_Strict):
    """The case id from the source's reference (crime number, URN)."""

    column: str = Field(min_length=1)
    pseudonymise: bool = Field(default=True, description=(
        "Replace the reference by prefix + HMAC-SHA-256 under the deployment's key "
        "(LIAISON_PSEUDONYM_KEY): the same reference always gives the same id."))
    prefix: str = Field(default="", pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$|^$",
                        description="A readable prefix such as 'RS-' (letters, digits, -).")


class Mapping(_Strict):
    """One source system's extract layout and how its rows become events."""

    description: str = Field(min_length=1)
    system: str = Field(pattern=r"^[a-z][a-z0-9-]{0,47}$", description=(
        "The source system's name: part of every event id, so that two systems' rows "
        "never share one."))
    format: Format
    row_key: list[str] = Field(min_length=1, description=(
        "Columns that identify a row in the source system; with the system and the event "
        "type they give a stable event_id, so a re-export deduplicates."))
    case_id: CaseId
    area: ValueFrom = Field(description="{value: AREA} or {column: C, map: register}.")
    source: ValueFrom = Field(description="{value: AGENCY} or {column: C, map: M}.")
    timestamps: Timestamps
    events: list[EventRule] = Field(min_length=1)
    value_maps: dict[str, dict[str, Scalar | None]] = Field(default_factory=dict, description=(
        "Name -> local code -> vocabulary value (null: the row gives no event)."))
    illustrative: bool = Field(default=False, description=(
        "True for an example mapping that is not a real system's layout: liaison map "
        "says so on every run."))

    def columns(self) -> list[str]:
        """Every column the mapping reads, in a stable order (the header must name each,
        and synthetic extracts are written with these columns)."""
        out: list[str] = [*self.row_key, self.case_id.column]
        for src in (self.area, self.source):
            out.append(src.column or "")
        for rule in self.events:
            out += [rule.type.column or "", rule.at.column or ""]
            out += [rule.when.column] if rule.when else []
            out += [s.column or "" for s in rule.data.values()]
        return list(dict.fromkeys(c for c in out if c))
