"""Writing a report as JSON, CSV (one file per table) and one self-contained HTML file.

The HTML has its CSS inline and its charts as inline SVG: it opens from a USB stick or
an email attachment with no network and no script.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape

from engine.calendar import LONDON
from engine.files import private_open, private_write
from engine.reports.model import Report


def environment(*extra: PackageLoader) -> Environment:
    """The Jinja2 environment for reports; the dashboard adds its own templates first."""
    env = Environment(loader=ChoiceLoader([*extra, PackageLoader("engine.reports", "templates")]),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = cell
    env.filters["when"] = when
    return env


def when(value: str | None) -> str:
    """An RFC 3339 instant as people read it, in Europe/London: `Fri 8 Dec 2023 18:09`;
    the end of a day (a working-day deadline) reads `end of Tue 12 Dec 2023`."""
    if not value:
        return "–"
    instant = datetime.fromisoformat(value).astimezone(LONDON)
    day = f"{instant:%a} {instant.day} {instant:%b %Y}"
    if (instant.hour, instant.minute, instant.second) == (23, 59, 59):
        return f"end of {day}"
    return f"{day} {instant:%H:%M}"


def cell(value: Any) -> str:
    """How a figure reads in a table: as the builder rounded it, None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"  # builders round: rates to 4 places, working days to 1
    if isinstance(value, list | tuple):
        return " – ".join(cell(v) for v in value)
    return str(value)


def render_html(report: Report, env: Environment | None = None) -> str:
    env = env or environment()
    return env.get_template(f"{report.kind}.html.j2").render(report=report)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)
    return value


def write_report(report: Report, out_dir: Path, stem: str | None = None) -> list[Path]:
    """Write `<stem>.json`, `<stem>-<table>.csv` for each table and `<stem>.html`;
    return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = stem or report.kind
    paths = []
    json_path = out_dir / f"{stem}.json"
    private_write(json_path, json.dumps(report.data, indent=2, ensure_ascii=False) + "\n")
    paths.append(json_path)
    for table in report.tables:
        path = out_dir / f"{stem}-{table.name}.csv"
        with private_open(path, newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.columns)
            writer.writerows([_csv_value(v) for v in row] for row in table.rows)
        paths.append(path)
    html_path = out_dir / f"{stem}.html"
    private_write(html_path, render_html(report))
    paths.append(html_path)
    return paths
