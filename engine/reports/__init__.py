"""Reports for CPS units, national leads and scrutiny groups (contract §1, §6, §8).

Each report is built as a plain JSON-able dict from the store, then written as JSON, CSV
and a self-contained HTML file with inline SVG charts. This is the reports' front door:
code outside `engine/reports` imports from here (a test pins it).
"""

from engine.reports.board import build_board
from engine.reports.cached_facts import facts_for
from engine.reports.code_compliance import build_code_compliance
from engine.reports.facts import Facts, facts_from
from engine.reports.model import Report, Table
from engine.reports.national import MARKS, build_national
from engine.reports.output import cell, environment, render_html, when, write_report
from engine.reports.quarter import Quarter
from engine.reports.scrutiny import build_scrutiny
from engine.reports.snapshot import Snapshot, refresh_national, store_national
from engine.reports.snapshot import national as national_snapshot
from engine.reports.words import Words

__all__ = [
    "Facts", "MARKS", "Quarter", "Report", "Snapshot", "Table", "Words", "build_board",
    "build_code_compliance", "build_national", "build_scrutiny", "cell", "environment",
    "facts_for", "facts_from", "national_snapshot", "refresh_national", "render_html",
    "store_national", "when", "write_report",
]
