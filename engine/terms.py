"""The closed sets every layer speaks in: statuses, owners, severities and roles.

They are defined once, here, at the bottom of the import graph (this module imports
nothing from the project), so the rules, the evaluator, the store, the reports, the API
and the CLI all spell them the same way. docs/contract.md §2 lists them, and a test
keeps that list equal to these enums.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """What a step instance is, as of an instant (contract §4.1-§4.3)."""

    met = "met"
    late = "late"
    missed = "missed"
    due_soon = "due_soon"
    due = "due"
    cancelled = "cancelled"
    violated = "violated"


# A flag is an instance someone must act on or account for (contract §2). A tuple in
# contract order, so that counts keyed by it print in the same order everywhere.
FLAG_STATUSES = (Status.late, Status.missed, Status.due_soon, Status.violated)

# Instances that went wrong: not met in time, or a prohibition broken (due_soon has not).
FAILED_STATUSES = (Status.late, Status.missed, Status.violated)

# Statuses whose outcome is decided: the denominator of a compliance rate.
DECIDED_STATUSES = (Status.met, Status.late, Status.missed)


# Whose single point of contact gets a step's flags (contract §4). Comments rather than
# docstrings here: a docstring would become part of the overlay JSON Schema.
class Owner(StrEnum):
    police = "police"
    cps = "cps"
    wcu = "wcu"
    isva = "isva"
    probation = "probation"
    area = "area"
    source = "source"


# How much a failure of a step matters, least first.
class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Role(StrEnum):
    """Who may read what (contract §8)."""

    force_data_team = "force_data_team"
    cps_unit = "cps_unit"
    isva_service = "isva_service"
    national_lead = "national_lead"
    auditor = "auditor"
