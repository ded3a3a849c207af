"""What an attacker can work out from the figures of one page by combining bounds, and
the tables withheld so that no suppressed count can be pinned (docs/statistics.md).

Rounding publishes intervals, not values: a published 5 means 5 .. 7, "<5" means
1 .. 4. Arithmetic on published numbers never gives a value from 1 to t-1 (see
`suppression`), but combining the intervals of cells that add up (a table's cells and
its total, the total shared by every breakdown of the same incidents, a month inside
its year) can narrow a suppressed cell to one value. Each builder declares the sums
its figures obey as `Relation`s; `protect` narrows every interval over those relations
until nothing changes (interval constraint propagation, as an attacker with a
spreadsheet would) and withholds each table holding a suppressed cell that is left
with a single possible value, then looks again without it. Withholding only removes
relations, so it never narrows another interval: the loop ends with every suppressed
cell on the page still ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from referral.stats.suppression import Cell

# Bigger than any count the database can hold: the bound of a figure nobody published.
UNBOUNDED = 10**15
# Propagation narrows integers and stops when a round changes nothing; the pages'
# relations settle in a handful of rounds, so this cap is never reached in practice.
MAX_ROUNDS = 500


class Unknown:
    """A count the page does not publish but that the attacker knows exists (the
    remainder of a part inside a whole, the sum two tables share)."""

    __slots__ = ()


class Known(Unknown):
    """A count the attacker is assumed to know exactly (across queries: what a whole
    holds beyond its parts, say the incidents of unknown sex; assuming it known is the
    cautious side)."""

    __slots__ = ("count",)

    def __init__(self, count: int):
        self.count = count


@dataclass(frozen=True, eq=False)
class Relation:
    """sum(parts) == whole, over published cells and unknowns."""

    parts: tuple
    whole: object


def sum_of(parts: Iterable, whole) -> Relation:
    return Relation(tuple(parts), whole)


def equal(a, b) -> Relation:
    return Relation((a,), b)


def at_most(part, whole) -> Relation:
    return Relation((part, Unknown()), whole)


def grid(rows: Sequence[Sequence], total: Sequence | None, *, row_totals: bool) -> list[Relation]:
    """The sums of a table's shape: each column's cells add up to the total row's cell;
    with `row_totals`, each row's last cell is the sum of the others (total row too).
    Cells that are not counts (shares, medians) are left out of the table first."""
    relations = []
    if total is not None:
        for j, whole in enumerate(total):
            if isinstance(whole, Cell):
                relations.append(sum_of([r[j] for r in rows if isinstance(r[j], Cell)], whole))
    if row_totals:
        for r in [*rows, *([total] if total is not None else [])]:
            relations.append(sum_of(r[:-1], r[-1]))
    return relations


def interval(cell: Cell) -> tuple[int, int]:
    """What a published cell tells of its exact count (suppression.publish inverted)."""
    t = cell.limit
    if cell.value is None:
        return 1, t - 1
    if cell.value == 0:
        return 0, 0
    high = cell.value + (t - 1) // 2
    return (t if cell.value == t else cell.value - t // 2), high


def _start(item) -> tuple[int, int]:
    if isinstance(item, Cell):
        return interval(item)
    if isinstance(item, Known):
        return item.count, item.count
    return 0, UNBOUNDED


def narrow(relations: Iterable[Relation], unseen=frozenset()) -> dict[int, tuple[int, int]]:
    """Each cell's (and unknown's) interval after propagating every relation, by id.
    An empty interval (low above high) means the figures contradict each other, which
    an attacker would read as "pinned": the caller treats it so. `unseen`: ids of
    cells the attacker does not see (a withheld table's), only known to exist."""
    relations = list(relations)
    bounds: dict[int, list[int]] = {}
    for relation in relations:
        for item in (*relation.parts, relation.whole):
            if id(item) not in bounds:
                low, high = (0, UNBOUNDED) if id(item) in unseen else _start(item)
                bounds[id(item)] = [low, high]
    for _round in range(MAX_ROUNDS):
        changed = False
        for relation in relations:
            parts = [bounds[id(p)] for p in relation.parts]
            whole = bounds[id(relation.whole)]
            low_sum = sum(p[0] for p in parts)
            high_sum = sum(p[1] for p in parts)
            if low_sum > whole[0]:
                whole[0], changed = low_sum, True
            if high_sum < whole[1]:
                whole[1], changed = high_sum, True
            for p in parts:
                low = whole[0] - (high_sum - p[1])
                high = whole[1] - (low_sum - p[0])
                if low > p[0]:
                    p[0], changed = low, True
                if high < p[1]:
                    p[1], changed = high, True
        if not changed:
            break
    return {key: (low, high) for key, (low, high) in bounds.items()}


def pinned(relations: Iterable[Relation]) -> list[Cell]:
    """The suppressed cells an attacker narrows to a single value (or to none)."""
    relations = list(relations)
    bounds = narrow(relations)
    seen, found = set(), []
    for relation in relations:
        for item in (*relation.parts, relation.whole):
            if isinstance(item, Cell) and item.is_suppressed and id(item) not in seen:
                seen.add(id(item))
                low, high = bounds[id(item)]
                if high <= low:
                    found.append(item)
    return found


def _cells_of(table) -> list:
    rows = [r.cells for r in table.rows] + ([table.total.cells] if table.total else [])
    return [c for cells in rows for c in cells if isinstance(c, Cell)]


def protect(tables: Sequence, withheld_note: str) -> None:
    """Withhold (in place) every table whose suppressed cells the page's relations pin.

    `tables`: the page's tables, each with `relations` (its own sums, and its links to
    figures outside it: the headline total, another table's total). A relation is in
    force while every cell it names is still shown (cells of no table, like the
    headline, always are)."""
    owner = {id(c): table for table in tables for c in _cells_of(table)}
    while True:
        active = [
            relation
            for table in tables
            if not table.withheld
            for relation in table.relations
            if all(
                not isinstance(item, Cell) or not owner.get(id(item), table).withheld
                for item in (*relation.parts, relation.whole)
            )
        ]
        exposed: dict[int, list] = {}
        for cell in pinned(active):
            if id(cell) in owner:
                exposed.setdefault(id(owner[id(cell)]), [owner[id(cell)], 0])[1] += 1
            else:
                # A headline (the month's total of a monthly report can be "<t"): it
                # stays, so a shown table whose sums reach it goes instead.
                for table in tables:
                    if not table.withheld and any(
                        cell is item
                        for relation in table.relations
                        for item in (*relation.parts, relation.whole)
                    ):
                        exposed.setdefault(id(table), [table, 0])[1] += 1
        if not exposed:
            return
        # One table a round, the one holding most of the pinned cells (the later of
        # equals, so the first breakdowns of a page are kept): taking it away often
        # frees the others, and a table withheld without need is a figure lost.
        position = {id(table): i for i, table in enumerate(tables)}
        table, _count = max(exposed.values(), key=lambda e: (e[1], position[id(e[0])]))
        table.withhold(withheld_note)
