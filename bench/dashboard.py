"""Dashboard benchmark (issue 16): server time and weight of each page for one area of
10,000 cases (simulated, ingested and swept into SQLite, cached under bench/.cache/).

Each page is requested in-process through the whole app (auth, audit, queries,
templates, gzip) and timed as the median of several requests, against a floor measured
in the same run: the sign-in page, which goes through the same stack with no query.
The first request of each page ("cold") is shown too: the board and the national page
are built on it and kept until the store changes (engine/api/report_cache.py).
Weight is the HTML's bytes as sent with gzip and uncompressed, plus the stylesheets a
first visit fetches once (cached for a year after, by their hashed names).

    .venv/bin/python -m bench.dashboard [--cases 10000] [--area kent] [--repeat 7]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from pathlib import Path

from bench.store_common import simulated_store

GOAL_MS, GOAL_KB = 200, 300


def build_store(cases: int, area: str) -> str:
    """The benchmark store: `cases` cases of one area (reused while unchanged)."""
    return simulated_store(f"dashboard-{area}-{cases}", (area,), cases, 16)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--area", default="kent")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from engine.api import assets
    from engine.api.app import create_app
    from engine.api.roles import Role
    from engine.api.tokens import create_token
    from engine.store import engine_for

    url = build_store(args.cases, args.area)
    engine = engine_for(url)
    with engine.connect() as conn:
        cases = conn.execute(text("SELECT count(*) FROM cases")).scalar()
        instances = conn.execute(text("SELECT count(*) FROM instances")).scalar()
        case_id = conn.execute(text(
            "SELECT case_id FROM instances WHERE status = 'missed' AND case_id IS NOT NULL "
            "GROUP BY case_id "
            "ORDER BY count(*) DESC LIMIT 1")).scalar()
    cps = {"kent": "south-east"}.get(args.area)
    app = create_app(url, Path("area_configs"))
    client = TestClient(app)
    force = create_token(engine, Role.force_data_team, args.area, None).token
    national = create_token(engine, Role.national_lead, None, None).token

    def get(path: str, token: str | None) -> tuple[float, int, int]:
        headers = {"Accept-Encoding": "gzip"}
        if token:
            headers["Cookie"] = f"liaison_token={token}"
        started = time.perf_counter()
        r = client.get(path, headers=headers)
        seconds = time.perf_counter() - started
        assert r.status_code == 200, (path, r.status_code)
        return seconds, len(r.content), r.num_bytes_downloaded

    def measure(path: str, token: str | None) -> tuple[float, float, int, int]:
        cold = get(path, token)[0]  # the first: templates compiled, reports built
        runs = [get(path, token) for _ in range(args.repeat)]
        return cold, statistics.median(t for t, _, _ in runs), runs[0][1], runs[0][2]

    first = client.get("/dashboard/today", headers={"Cookie": f"liaison_token={force}"})
    after = first.text.split('href="/dashboard/today?after=')[1].split('"')[0]
    pages = [
        ("sign-in (floor)", "/dashboard/login", None),
        ("today, first page", "/dashboard/today", force),
        ("today, next page (keyset)", f"/dashboard/today?after={after}", force),
        ("today, filtered (police, missed)", "/dashboard/today?owner=police&status=missed",
         force),
        ("flags, first page", "/dashboard/flags", force),
        (f"case page ({case_id}, most missed)", f"/dashboard/cases/{case_id}", force),
        ("stage board (force)", "/dashboard/board", force),
        ("national comparison", "/dashboard/national", national),
    ]
    if cps:
        cps_token = create_token(engine, Role.cps_unit, None, cps).token
        pages.insert(2, (f"today, CPS unit ({cps})", "/dashboard/today", cps_token))
    css = sum(len(assets.assets()[k].body) for k in ("govuk", "dashboard"))
    css_gz = sum(len(gzip.compress(assets.assets()[k].body)) for k in ("govuk", "dashboard"))
    print(f"area {args.area}: {cases} cases, {instances} instances; median of "
          f"{args.repeat} requests each; stylesheets {css / 1024:.0f} KB "
          f"({css_gz / 1024:.0f} KB gzip), fetched once")
    print(f"{'page':<44}{'cold ms':>9}{'ms':>8}{'× floor':>9}{'HTML KB':>9}{'gzip KB':>9}"
          f"{'first visit KB':>16}")
    floor_s = None
    worst_ms, worst_kb = 0.0, 0.0
    for label, path, token in pages:
        cold, seconds, raw, sent = measure(path, token)
        floor_s = floor_s or seconds
        first_visit = (sent + css_gz) / 1024
        print(f"{label:<44}{cold * 1000:>9.0f}{seconds * 1000:>8.1f}{seconds / floor_s:>9.1f}"
              f"{raw / 1024:>9.1f}{sent / 1024:>9.1f}{first_visit:>16.1f}")
        if token:
            worst_ms, worst_kb = max(worst_ms, seconds * 1000), max(worst_kb, first_visit)
    print(f"goal: each page ≤ {GOAL_MS} ms of server time and ≤ {GOAL_KB} KB: slowest "
          f"{worst_ms:.0f} ms once built ({'met' if worst_ms <= GOAL_MS else 'MISSED'}; "
          f"cold: see the column), heaviest {worst_kb:.0f} KB as sent "
          f"({'met' if worst_kb <= GOAL_KB else 'MISSED'})")


if __name__ == "__main__":
    main()
