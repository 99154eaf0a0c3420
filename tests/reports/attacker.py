"""An attacker who holds one publication and knows how its tables add up.

Written apart from `engine.reports.disclosure` on purpose: the relations below are read
off the published JSON the way a reader would (a row's total, a CPS Area as the sum of
its forces, ageing per stage as the sum over areas, national totals, the step and owner
tables of a scrutiny pack covering the same instances), not taken from the publisher's
own list, so a sum the publisher forgot is one the attacker still uses.

The attack, in order: subtract along every relation with one hidden cell, again and
again with what it recovers; then eliminate over all relations at once (exact fractions:
any chain of sums and differences across tables); then use that hidden counts are at
least 1 (zeros are published) on each line; then divide a published rate by its
published count. Each relation is kept only if it holds on the unsuppressed figures, so
the attacker never "recovers" a wrong number.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from engine.reports.disclosure import MARK

Cell = tuple[Any, ...]
Relation = list[tuple[Cell, int]]


class Sheet:
    """The published cells (value or MARK), the true values, and relations."""

    def __init__(self) -> None:
        self.shown: dict[Cell, Any] = {}
        self.truth: dict[Cell, int] = {}
        self.relations: list[Relation] = []
        self.rate_pairs: list[tuple[Cell, Cell, Any]] = []

    def cell(self, key: Cell, shown: Any, true: int) -> Cell:
        assert shown == MARK or shown == true, (key, shown, true)
        self.shown[key], self.truth[key] = shown, true
        return key

    def sums(self, total: Cell, parts: list[Cell]) -> None:
        self.balance([total], parts)

    def balance(self, left: list[Cell], right: list[Cell]) -> None:
        rel: dict[Cell, int] = {}
        for k in left:
            rel[k] = rel.get(k, 0) + 1
        for k in right:
            rel[k] = rel.get(k, 0) - 1
        terms = [(k, c) for k, c in rel.items() if c]
        if terms and sum(self.truth[k] * c for k, c in terms) == 0:
            self.relations.append(terms)

    def hidden(self) -> set[Cell]:
        return {k for k, v in self.shown.items() if v == MARK}


def attack(sheet: Sheet) -> dict[Cell, int]:
    """Every hidden cell the attacker pins down, with the value found."""
    known = {k: v for k, v in sheet.shown.items() if v != MARK}
    found: dict[Cell, int] = {}
    changed = True
    while changed:  # 1. single subtractions, repeated
        changed = False
        for rel in sheet.relations:
            unknown = [(k, c) for k, c in rel if k not in known]
            if len(unknown) == 1:
                k, c = unknown[0]
                value = -sum(known[j] * cj for j, cj in rel if j in known) // c
                known[k] = found[k] = value
                changed = True
    for k, v in _eliminate(sheet.relations, known).items():  # 2. all relations at once
        found.setdefault(k, v)
    for rel in sheet.relations:  # 3. hidden counts are at least 1
        unknown = [(k, c) for k, c in rel if k not in known]
        if unknown and len({c > 0 for _k, c in unknown}) == 1:
            sign = 1 if unknown[0][1] > 0 else -1
            rest = -sign * sum(known[j] * cj for j, cj in rel if j in known)
            if rest == sum(abs(c) for _k, c in unknown):
                found.update({k: 1 for k, _c in unknown})
    for num, den, rate in sheet.rate_pairs:  # 4. a rate and one of its counts
        if rate is not None and (num not in known) != (den not in known):
            if den in known:
                found[num] = round(rate * known[den])
            else:
                found[den] = round(known[num] / rate) if rate else -1
    return found


def _eliminate(relations: list[Relation], known: dict[Cell, int]) -> dict[Cell, int]:
    cols: dict[Cell, int] = {}
    rows: list[dict[int, Fraction]] = []
    for rel in relations:
        row: dict[int, Fraction] = {}
        rhs = Fraction(0)
        for k, c in rel:
            if k in known:
                rhs -= c * known[k]
            else:
                i = cols.setdefault(k, len(cols))
                row[i] = row.get(i, Fraction(0)) + c
        if any(row.values()):
            row[-1] = rhs
            rows.append(row)
    pivots: dict[int, dict[int, Fraction]] = {}
    for row in rows:
        for p, prow in pivots.items():
            if row.get(p):
                f = row[p]
                for c, v in prow.items():
                    row[c] = row.get(c, Fraction(0)) - f * v
        row = {c: v for c, v in row.items() if v}
        vars_ = [c for c in row if c >= 0]
        if not vars_:
            continue
        p = min(vars_)
        inv = 1 / row[p]
        row = {c: v * inv for c, v in row.items()}
        for other in pivots.values():
            if other.get(p):
                f = other[p]
                for c, v in row.items():
                    other[c] = other.get(c, Fraction(0)) - f * v
                for c in [c for c, v in other.items() if not v]:
                    del other[c]
        pivots[p] = row
    names = list(cols)
    return {names[p]: int(row.get(-1, 0)) for p, row in pivots.items()
            if [c for c in row if c >= 0] == [p]}
