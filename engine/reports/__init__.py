"""Reports for CPS units, national leads and scrutiny groups (contract §1, §6, §8).

Each report is built as a plain JSON-able dict from the store, then written as JSON, CSV
and a self-contained HTML file with inline SVG charts (`engine.reports.output`).
"""
