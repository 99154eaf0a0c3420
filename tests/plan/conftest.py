"""The reports' small store (cohort → ingest → sweep) serves the plan tests too."""

from tests.reports.conftest import store

__all__ = ["store"]
