"""API load benchmark (issue 11): 16 concurrent clients against a real server on SQLite.

The store is a simulated cohort (default 20,000 cases over five areas, ingested and
swept, cached under bench/.cache/), with the national snapshot written as the sweep
writes it. The server is uvicorn serving `create_app` in its own processes (--workers,
default 2: the machine's cores); the clients are threads with one keep-alive connection
each. For every endpoint the same number of requests is sent and the wall time, req/s,
p50 and p99 are printed, with the floor measured in the same run: `/healthz`, which goes
through the same server, middleware and client with no token, database or audit.

Goals: /api/cases/{id} >= 300 req/s with p99 <= 100 ms; /api/flags (a page of 100)
>= 150 req/s with p99 <= 200 ms; a read of the national snapshot <= 50 ms.

    .venv/bin/python -m bench.api [--cases 20000] [--clients 16] [--requests 3000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.store_common import simulated_store

AREAS = ("kent", "south-wales", "greater-manchester", "lancashire", "dorset")
ROOT = Path(__file__).resolve().parents[1]


def build_store(cases: int) -> str:
    return simulated_store(f"api-{cases}", AREAS, cases, 11, years=2.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LIAISON_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "engine.api.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def load(port: int, clients: int, total: int, path_of: Callable[[int], str],
         token: str | None) -> tuple[float, list[float], int]:
    """Send `total` requests from `clients` threads; (seconds, latencies in ms, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(total))
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            t0 = time.perf_counter()
            conn.request("GET", path_of(i), headers=headers)
            r = conn.getresponse()
            r.read()
            mine.append((time.perf_counter() - t0) * 1000)
            if r.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, errors[0]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from sqlalchemy import text

    from engine.api.tokens import create_token
    from engine.config import load_config
    from engine.reports import facts_from
    from engine.reports.snapshot import write_national
    from engine.store import engine_for
    from engine.terms import Role

    url = build_store(args.cases)
    engine = engine_for(url)
    t0 = time.perf_counter()
    write_national(engine, facts_from(load_config()), "bench")
    snapshot_s = time.perf_counter() - t0
    with engine.connect() as conn:
        n_cases = conn.execute(text("SELECT count(*) FROM cases")).scalar()
        n_inst = conn.execute(text("SELECT count(*) FROM instances")).scalar()
        kent = [r[0] for r in conn.execute(text(
            "SELECT case_id FROM cases WHERE area = 'kent' ORDER BY case_id"))]
        kent_flags = conn.execute(text(
            "SELECT count(*) FROM instances WHERE area = 'kent' AND status IN "
            "('late', 'missed', 'due_soon', 'violated')")).scalar()
    force = create_token(engine, Role.force_data_team, "kent").token
    lead = create_token(engine, Role.national_lead).token
    port = free_port()
    server = start_server(url, port, args.workers)
    try:
        # Pages of flags: the first and the next nine by cursor, then requested in turn.
        pages = ["/api/flags?limit=100"]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(9):
            conn.request("GET", pages[-1], headers={"Authorization": f"Bearer {force}"})
            nxt = json.loads(conn.getresponse().read())["next"]
            if not nxt:
                break
            pages.append(f"/api/flags?limit=100&after={nxt}")
        conn.request("GET", pages[0], headers={"Authorization": f"Bearer {force}"})
        page_kb = len(conn.getresponse().read()) / 1024
        rng = random.Random(7)
        picks = [rng.choice(kent) for _ in range(args.requests)]
        runs = [
            ("/healthz (floor)", lambda i: "/healthz", None),
            ("/api/cases/{id}", lambda i: f"/api/cases/{picks[i]}", force),
            ("/api/flags (100 a page)", lambda i: pages[i % len(pages)], force),
            ("/api/reports/national", lambda i: "/api/reports/national", lead),
        ]
        single = load(port, 1, 50, lambda i: "/api/reports/national", lead)[1]
        print(f"store: {n_cases} cases, {n_inst} instances; kent {len(kent)} cases, "
              f"{kent_flags} flags; snapshot written in {snapshot_s:.2f} s; "
              f"flags page {page_kb:.0f} KB")
        print(f"{args.clients} clients, {args.requests} requests each endpoint, "
              f"server {args.workers} worker process(es)")
        print(f"{'endpoint':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
              f"{'× floor time':>13}")
        floor = None
        for name, path_of, token in runs:
            load(port, args.clients, min(200, args.requests), path_of, token)  # warm up
            seconds, lat, errors = load(port, args.clients, args.requests, path_of, token)
            rate = len(lat) / seconds
            floor = floor or rate
            print(f"{name:28} {rate:8.0f} {pct(lat, 50):8.1f} {pct(lat, 99):8.1f} "
                  f"{errors:7d} {floor / rate:13.1f}")
        print(f"national snapshot, one client: p50 {pct(single, 50):.1f} ms, "
              f"p99 {pct(single, 99):.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
