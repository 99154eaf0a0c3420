"""Disclosure control for every aggregate that leaves the system (contract §8).

The method and why: docs/disclosure.md.

Every count a report, the API, the dashboard or a CSV shows passes through here, so the
templates and writers only render what this module decided. The method is cell
suppression as official statistics practise it:

1. primary suppression: a count from 1 to 4 is hidden (zero is not disclosive);
2. secondary suppression: further cells are hidden until no hidden cell can be worked
   out from the figures published with it, by subtracting along any row, column or total,
   or across the tables of the same publication, or by any chain of such sums.

Hidden cells are all shown with one mark, `[c]`, whether primary or secondary: marking
the small ones differently would tell a reader which hidden cells are 1-4 and which are
at least 5, and those bounds pin cells down again.

Use it like this (a builder registers every count and every sum a reader could use)::

    pub = Publication()
    for area in areas:
        pub.count(("due", area), due[area])
    pub.count(("due", "all"), sum(due.values()))
    pub.total(("due", "all"), [("due", area) for area in areas])
    shown = pub.protect(suppress=True)
    shown[("due", "kent")]            # an int, or "[c]"
    shown.rate(("met", a), ("due", a))  # None when either count is hidden

Rates, intervals and any other figure derived from a hidden count must be withheld
(`Disclosed.rate` / `Disclosed.interval` do so), or the count comes back by division.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from engine.reports.recovery import Relation, determined, pinned_by_bounds
from engine.reports.wilson import Interval, wilson

MARK = "[c]"  # one mark for every hidden cell (the GSS convention for "confidential")
NOTE = ("[c]: withheld to protect individuals. Counts from 1 to 4 are withheld, and so is "
        "any further count from which a withheld one could be worked out with the totals "
        "or the other tables; rates, intervals and medians built on a withheld count are "
        "withheld too.")
LOW, HIGH = 1, 4

Shown = int | str
Key = Hashable


def is_small(count: int) -> bool:
    """True for a count that must not be shown (1 to 4; zero is not disclosive)."""
    return LOW <= count <= HIGH


@dataclass
class Publication:
    """The counts released together (one report, one API answer) and every additive
    relation between them that a reader could exploit. Register the same figure once,
    under one key, however many tables show it."""

    values: dict[Key, int] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)

    def count(self, key: Key, value: int) -> Key:
        """Register a count; registering a key again must give the same value."""
        if value < 0:
            raise ValueError(f"count {key!r} is negative: {value}")
        if self.values.setdefault(key, value) != value:
            raise ValueError(f"count {key!r} registered as {self.values[key]} and {value}")
        return key

    def total(self, total: Key, parts: Iterable[Key]) -> None:
        """`total` is the sum of `parts` (a row, column or grand total)."""
        self.balance([total], parts)

    def balance(self, left: Iterable[Key], right: Iterable[Key]) -> None:
        """Σ left = Σ right: two tables that partition the same things (compliance by
        step and by owner), or one figure shown twice under two names."""
        terms: dict[Key, int] = {}
        for k in left:
            terms[k] = terms.get(k, 0) + 1
        for k in right:
            terms[k] = terms.get(k, 0) - 1
        for k in terms:
            if k not in self.values:
                raise KeyError(f"relation names {k!r}, which is not a registered count")
        rel = tuple((k, c) for k, c in terms.items() if c)
        if sum(self.values[k] * c for k, c in rel) != 0:
            raise ValueError(f"relation does not hold on the data: {rel!r}")
        if rel:
            self.relations.append(rel)

    def protect(self, suppress: bool = True) -> Disclosed:
        """Decide what is shown. With `suppress` False (a reader inside the area, who may
        read every case anyway) nothing is hidden."""
        if not suppress:
            return Disclosed(self.values, frozenset(), frozenset())
        primary = {k for k, v in self.values.items() if is_small(v)}
        hidden = set(primary)
        while True:
            cell = _weak_cell(self.values, self.relations, hidden)
            if cell is None:
                break
            hidden.add(cell)
        return Disclosed(self.values, frozenset(hidden), frozenset(primary))


def _weak_cell(values: dict[Key, int], relations: list[Relation], hidden: set[Key]
               ) -> Key | None:
    """The next cell to hide, or None when every hidden cell is safe. Cheap checks first
    (a line with one hidden cell; a line whose hidden cells must all be 1), then the full
    linear test (any chain of sums and differences)."""
    for rel in relations:
        inside = [k for k, _c in rel if k in hidden]
        if inside and (len(inside) == 1 or pinned_by_bounds(rel, values, hidden)):
            return _cheapest(values, [rel], hidden)
    exposed = determined(relations, hidden)
    if not exposed:
        return None
    touching = [rel for rel in relations if any(k == exposed[0] for k, _c in rel)]
    return (_cheapest(values, touching, hidden)
            or _cheapest(values, _component(relations, exposed[0]), hidden))


def _cheapest(values: dict[Key, int], rels: list[Relation], hidden: set[Key]) -> Key | None:
    """The smallest non-zero published count in `rels` (least information lost); ties go
    to the first registered."""
    best: Key | None = None
    for rel in rels:
        for k, _c in rel:
            if k not in hidden and values[k] > 0 and (best is None or values[k] < values[best]):
                best = k
    return best


def _component(relations: list[Relation], start: Key) -> list[Relation]:
    """Every relation connected to `start` through shared cells."""
    keys, found, grew = {start}, [], True
    remaining = list(relations)
    while grew:
        grew = False
        for rel in list(remaining):
            if any(k in keys for k, _c in rel):
                keys.update(k for k, _c in rel)
                found.append(rel)
                remaining.remove(rel)
                grew = True
    return found


@dataclass(frozen=True)
class Disclosed:
    """What may be shown of a publication: `shown[key]` is the count or `MARK`."""

    values: dict[Key, int]
    hidden: frozenset[Key]
    primary: frozenset[Key]

    def __getitem__(self, key: Key) -> Shown:
        return MARK if key in self.hidden else self.values[key]

    def is_hidden(self, *keys: Key) -> bool:
        return any(k in self.hidden for k in keys)

    def rate(self, numerator: Key, denominator: Key) -> float | None:
        """numerator ÷ denominator, or None when undefined or either count is hidden."""
        den = self.values[denominator]
        if den == 0 or self.is_hidden(numerator, denominator):
            return None
        return self.values[numerator] / den

    def rate_cells(self, numerator: Key, denominator: Key
                   ) -> tuple[float | None, float | None, float | None]:
        """(rate, interval low, interval high) as tables show them (4 places), all None
        when the rate is withheld or undefined."""
        r, ci = self.rate(numerator, denominator), self.interval(numerator, denominator)
        if r is None or ci is None:
            return None, None, None
        low, high = ci.to_json()
        return round(r, 4), low, high

    def interval(self, numerator: Key, denominator: Key) -> Interval | None:
        """The Wilson 95% interval of the rate, withheld exactly when the rate is."""
        if self.rate(numerator, denominator) is None:
            return None
        return wilson(self.values[numerator], self.values[denominator])
