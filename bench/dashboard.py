"""Dashboard benchmark (issue 16): server time and weight of each page for one area of
10,000 cases (simulated, ingested and swept into SQLite, cached under bench/.cache/).

Each page is requested in-process through the whole app (auth, audit, queries,
templates, gzip) and timed as the median of several requests, against a floor measured
in the same run: the sign-in page, which goes through the same stack with no query.
The first request of each page ("cold": templates compiled) is shown too, and the
median of requests that each follow a store change ("after change"): the board and the
national page are built then, and kept until the next change (engine/api/report_cache.py;
a change makes every kept report stale, which is what dropping them does here). Last,
the first views after 1% of the cases got a new event that no sweep has judged yet
(their stored facts are stale, so the reports judge them from their events), on a copy
of the store. Weight is the HTML's bytes uncompressed and as sent with gzip, plus the
stylesheets a first visit fetches once (cached for a year after, by their hashed names).

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

    def after_change(path: str, token: str | None) -> float:
        """Median time of a request that follows a store change (kept reports stale)."""
        runs = []
        for _ in range(args.repeat):
            app.state.report_cache = None
            runs.append(get(path, token)[0])
        return statistics.median(runs)

    def measure(path: str, token: str | None) -> tuple[float, float, float, int, int]:
        cold = get(path, token)[0]  # the first: templates compiled, reports built
        changed = after_change(path, token)
        runs = [get(path, token) for _ in range(args.repeat)]
        return (cold, changed, statistics.median(t for t, _, _ in runs), runs[0][1],
                runs[0][2])

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
    print(f"{'page':<44}{'cold ms':>9}{'after change ms':>17}{'ms':>8}{'× floor':>9}"
          f"{'HTML KB':>9}{'gzip KB':>9}{'first visit KB':>16}")
    floor_s = None
    worst_ms, worst_changed, worst_kb = 0.0, 0.0, 0.0
    for label, path, token in pages:
        cold, changed, seconds, raw, sent = measure(path, token)
        floor_s = floor_s or seconds
        first_visit = (sent + css_gz) / 1024
        print(f"{label:<44}{cold * 1000:>9.0f}{changed * 1000:>17.0f}{seconds * 1000:>8.1f}"
              f"{seconds / floor_s:>9.1f}{raw / 1024:>9.1f}{sent / 1024:>9.1f}"
              f"{first_visit:>16.1f}")
        if token:
            worst_ms = max(worst_ms, seconds * 1000)
            worst_changed = max(worst_changed, changed * 1000)
            worst_kb = max(worst_kb, raw / 1024)
    print(f"goal: each page ≤ {GOAL_MS} ms of server time and ≤ {GOAL_KB} KB: slowest "
          f"{worst_changed:.0f} ms on the first view after a store change "
          f"({'met' if worst_changed <= GOAL_MS else 'MISSED'}), {worst_ms:.0f} ms once "
          f"built; heaviest {worst_kb:.0f} KB uncompressed "
          f"({'met' if worst_kb <= GOAL_KB else 'MISSED'})")
    stale_facts(url, args, [p for p in pages if p[1] in ("/dashboard/board",
                                                         "/dashboard/national")])


def stale_facts(url: str, args: argparse.Namespace, pages: list[tuple[str, str, str | None]]
                ) -> None:
    """The board and the national page after 1% of the cases got a new event no sweep has
    judged (a needs assessment), on a copy of the store: those cases are judged from their
    events while the rest are counted from their stored facts."""
    import json
    import shutil
    import tempfile

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from engine.api.app import create_app
    from engine.api.roles import Role
    from engine.api.tokens import create_token
    from engine.ingest import ingest_paths
    from engine.store import engine_for

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        copy_url = f"sqlite:///{copy}"
        engine = engine_for(copy_url)
        with engine.connect() as conn:
            picked = conn.execute(text(
                "SELECT case_id, area, last_event_at FROM cases ORDER BY case_id")).all()
        picked = picked[::100]
        lines = [json.dumps({"event_id": f"{cid}-bench", "case_id": cid, "area": area,
                             "type": "complainant.needs_assessed",
                             "at": str(at)[:19].replace(" ", "T") + "+00:00",
                             "source": "police", "data": {}}) for cid, area, at in picked]
        new = Path(tmp) / "new.jsonl"
        new.write_text("\n".join(lines) + "\n")
        report = ingest_paths(copy_url, [str(new)], actor="bench")
        assert report.accepted == len(picked), report
        app = create_app(copy_url, Path("area_configs"))
        client = TestClient(app)
        tokens = {Role.force_data_team: create_token(engine, Role.force_data_team, args.area,
                                                     None).token,
                  Role.national_lead: create_token(engine, Role.national_lead, None,
                                                   None).token}
        print(f"after {report.accepted} new events on {len(picked)} cases (1%), no sweep:")
        for label, path, _token in pages:
            token = tokens[Role.national_lead if "national" in path else
                           Role.force_data_team]
            headers = {"Cookie": f"liaison_token={token}"}
            client.get(path, headers=headers)
            runs = []
            for _ in range(args.repeat):
                app.state.report_cache = None
                started = time.perf_counter()
                assert client.get(path, headers=headers).status_code == 200
                runs.append(time.perf_counter() - started)
            print(f"  {label:<42}{statistics.median(runs) * 1000:>9.0f} ms after change")
        engine.dispose()


if __name__ == "__main__":
    main()
