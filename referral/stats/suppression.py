"""Disclosure control: what of an exact count may be published (docs/statistics.md).

The rule, for a threshold t (STATS_MIN_CELL, never below 5):
- 0 is published as 0;
- 1 .. t-1 is published as "<t", never as a number;
- t and above is rounded to the nearest multiple of t (halves up), so it is never
  below t.

Every number that leaves this module is therefore a multiple of t, totals included
(they are rounded from the exact total like any other cell). Sums and differences of
multiples of t are multiples of t, so no arithmetic on published figures (a total
minus the other cells of its row, a table's total minus another table's cells, or one
query minus another whose filters differ by one value) can produce a value from 1 to
t-1. Rounding is a function of the exact count alone: the same set of records always
publishes the same figure, so asking again, in any order or through any filter that
selects the same records, averages nothing away.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

FLOOR = 5


def threshold() -> int:
    """The configured threshold, raised to the floor of 5 if set lower."""
    try:
        configured = int(current_app.config.get("STATS_MIN_CELL", FLOOR))
    except (TypeError, ValueError):
        configured = FLOOR
    return max(FLOOR, configured)


@dataclass(frozen=True)
class Cell:
    """A published count: `value` is the number shown (None when suppressed)."""

    value: int | None
    limit: int

    @property
    def is_suppressed(self) -> bool:
        return self.value is None

    @property
    def text(self) -> str:
        return f"<{self.limit}" if self.value is None else str(self.value)


def publish(count: int, t: int) -> Cell:
    if count <= 0:
        return Cell(0, t)
    if count < t:
        return Cell(None, t)
    return Cell((count + t // 2) // t * t, t)


def share(part: Cell, whole: Cell) -> int | None:
    """A percentage computed from published figures only (so it tells nothing they do
    not), shown only when both are numbers and the whole is at least the threshold."""
    if part.value is None or whole.value is None or whole.value < whole.limit:
        return None
    return round(100 * part.value / whole.value)


def median_shown(median: float | None, n: int, t: int) -> int | None:
    """A median of at least t values, in whole hours; fewer values show nothing (a
    median of two or three referrals is nearly one provider's single answer)."""
    if median is None or n < t:
        return None
    return round(median)
