"""Mapping benchmark (issue 17): `liaison map` of the example extracts of a cohort, against
a floor measured in the same run on the same file: reading its rows with the csv module
(or openpyxl for the workbook) and writing one JSON line per row, with nothing decided.

    .venv/bin/python -m bench.mapping [--cases 20000] [--seed 1]

The cohort is the cached one of bench/cohort.py (generated on first use); its extracts
are written under bench/.cache/ by `write_examples`, as `liaison simulate --as-extracts`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from pathlib import Path

from bench.cohort import CACHE, ROOT, national_cohort

KEY = b"bench-key-" + b"0" * 32  # a benchmark key only


class _Null(io.TextIOBase):
    def write(self, s: str) -> int:
        return len(s)


def floor(path: Path, delimiter: str, encoding: str, xlsx: bool) -> tuple[int, float]:
    """Rows read and seconds: every row read and dumped as one JSON object, no mapping."""
    started, rows = time.perf_counter(), 0
    out = _Null()
    if xlsx:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        it = book.worksheets[0].iter_rows(values_only=True)
        header = [str(c) for c in next(it)]
        for values in it:
            out.write(json.dumps(dict(zip(header, map(str, values), strict=False))) + "\n")
            rows += 1
        book.close()
    else:
        with path.open(encoding=encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            header = next(reader)
            for cells in reader:
                out.write(json.dumps(dict(zip(header, cells, strict=False))) + "\n")
                rows += 1
    return rows, time.perf_counter() - started


def main() -> None:
    from engine.config.national import load_national
    from engine.event_lines import read_lines
    from engine.mapping import Mapper, Pseudonymiser, load_or_raise, map_files, resolve
    from engine.mapping.extracts import EXAMPLES, write_examples

    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    cohort = national_cohort(args.cases, args.seed)
    configs = ROOT / "area_configs"
    national = load_national(configs / "national")
    out = CACHE / f"extracts-{cohort.name}"
    started = time.perf_counter()
    with (cohort / "events.jsonl").open(encoding="utf-8") as fh:
        events = (rl.event for rl in read_lines(fh, national.vocabulary, "jsonl") if rl.event)
        paths = write_examples(events, national, configs, out)
    written = time.perf_counter() - started
    print(f"extracts of {args.cases:,} cases written in {written:.1f} s: "
          + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in paths))
    print(f"{'extract':<30} {'rows':>10} {'map rows/s':>11} {'floor rows/s':>13} {'share':>7}")
    for name, path in zip(EXAMPLES, paths, strict=True):
        mapping = load_or_raise(resolve(name, configs), national)
        mapper = Mapper(mapping, national, Pseudonymiser(KEY))
        t0 = time.perf_counter()
        [report] = map_files(mapper, [str(path)], _Null())
        spent = time.perf_counter() - t0
        f = mapping.format
        rows, base = floor(path, f.delimiter or ",", "utf-8-sig" if f.encoding in (None, "utf-8")
                           else f.encoding, f.type == "xlsx")
        assert rows == report.rows and report.rejected == 0
        print(f"{path.name:<30} {report.rows:>10,} {report.rows / spent:>11,.0f} "
              f"{rows / base:>13,.0f} {base / spent:>6.0%}")


if __name__ == "__main__":
    main()
