"""A synthetic cohort of cases with ground truth (issue: synthetic national cohort).

`write_cohort(CohortSpec(...), load_config(), out)` writes events.jsonl, truth.jsonl and
manifest.json; `Generator` draws cases one at a time for tests and benchmarks.
"""

from engine.simulate.calibration import SOURCES, Calibration
from engine.simulate.cohort import DEFAULT_AS_OF, CohortSpec, Generator, resolve_areas
from engine.simulate.failures import FailureRates, StepRates
from engine.simulate.writer import CohortSummary, write_cohort

__all__ = [
    "DEFAULT_AS_OF",
    "SOURCES",
    "Calibration",
    "CohortSpec",
    "CohortSummary",
    "FailureRates",
    "Generator",
    "StepRates",
    "resolve_areas",
    "write_cohort",
]
