"""What a reader can work out about hidden cells from the figures published with them.

A publication's additive relations (row, column and grand totals; two tables that
partition the same things) are linear equations over its cells. Once the published
cells are put in, the hidden cells satisfy `A x = b`. A hidden cell's exact value follows
from the publication, by some chain of sums and differences, exactly when its unit
vector lies in the row space of `A` restricted to the hidden cells; that is what
`determined` tests, by reducing that matrix to row echelon form. Arithmetic is modulo a
61-bit prime: the coefficients are small integers, so the rank is the rational rank
except with negligible probability, and no fraction ever grows.

`pinned_by_bounds` adds what a reader knows besides the equations: a hidden count is at
least 1 (zeros are never hidden), so a line whose hidden cells must add up to exactly
their number has them all equal to 1.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

Relation = tuple[tuple[Hashable, int], ...]  # Σ coefficient × cell = 0
PRIME = (1 << 61) - 1


def determined(relations: list[Relation], hidden: set[Hashable] | frozenset[Hashable]
               ) -> list[Hashable]:
    """The hidden cells whose value the relations fix, in the order they first appear."""
    order: dict[Hashable, int] = {}
    rows: list[dict[int, int]] = []
    for rel in relations:
        row: dict[int, int] = {}
        for key, coef in rel:
            if key in hidden:
                col = order.setdefault(key, len(order))
                row[col] = (row.get(col, 0) + coef) % PRIME
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append(row)
    pivots = _reduce(rows)
    keys = list(order)
    return sorted((keys[col] for col, row in pivots.items() if len(row) == 1),
                  key=lambda k: order[k])


def _reduce(rows: list[dict[int, int]]) -> dict[int, dict[int, int]]:
    """Reduced row echelon form of sparse rows: pivot column -> its row (pivot 1)."""
    pivots: dict[int, dict[int, int]] = {}
    for row in rows:
        row = dict(row)
        for col in [c for c in row if c in pivots]:  # eliminate known pivots
            _axpy(row, pivots[col], row.get(col, 0))
        while row:
            col = min(row)
            if col not in pivots:
                break
            _axpy(row, pivots[col], row[col])
        if not row:
            continue
        col = min(row)
        inv = pow(row[col], PRIME - 2, PRIME)
        row = {c: v * inv % PRIME for c, v in row.items()}
        for other in pivots.values():  # keep the form reduced
            if col in other:
                _axpy(other, row, other[col])
        pivots[col] = row
    return pivots


def _axpy(target: dict[int, int], pivot_row: dict[int, int], factor: int) -> None:
    """target -= factor × pivot_row, dropping zeros."""
    if not factor:
        return
    for c, v in pivot_row.items():
        nv = (target.get(c, 0) - factor * v) % PRIME
        if nv:
            target[c] = nv
        else:
            target.pop(c, None)


def pinned_by_bounds(rel: Relation, values: Mapping[Hashable, int],
                     hidden: set[Hashable] | frozenset[Hashable]) -> bool:
    """True when the hidden cells of one relation all carry the same sign and must add
    up to their minimum (each at least 1): then every one of them is known."""
    inside = [(k, c) for k, c in rel if k in hidden]
    if not inside or len({c > 0 for _k, c in inside}) != 1:
        return False
    sign = 1 if inside[0][1] > 0 else -1
    residual = -sum(values[k] * c for k, c in rel if k not in hidden) * sign
    return residual == sum(abs(c) for _k, c in inside)
