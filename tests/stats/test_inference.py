"""What combining the intervals of published figures gives away, and the tables the
page-level check withholds (referral/stats/inference.py)."""

from __future__ import annotations

from referral.stats import inference
from referral.stats.service import Row, Table
from referral.stats.suppression import publish

T = 5


def _table(key, counts, *, total=True, relations=None):
    rows = [Row(f"row {i}", [publish(c, T)]) for i, c in enumerate(counts)]
    table = Table(key, key, ["n"], rows, Row("Total", [publish(sum(counts), T)]) if total else None)
    if total:
        table.relations = inference.grid(
            [r.cells for r in rows], table.total.cells, row_totals=False
        )
    return table


def test_a_published_figure_stands_for_the_counts_that_round_to_it():
    assert inference.interval(publish(0, T)) == (0, 0)
    assert inference.interval(publish(3, T)) == (1, 4)
    assert inference.interval(publish(6, T)) == (5, 7)
    assert inference.interval(publish(11, T)) == (8, 12)
    assert inference.interval(publish(23, 10)) == (15, 24)


def test_the_documented_example_pins_both_small_cells():
    """A total of 7 (shown 5), a cell of 5 and two cells of 1: the small cells sum to
    at most 7 - 5 = 2, so each is exactly 1."""
    table = _table("t", [5, 1, 1])
    bounds = inference.narrow(table.relations)
    small = [r.cells[0] for r in table.rows[1:]]
    assert [bounds[id(c)] for c in small] == [(1, 1), (1, 1)]
    assert {id(c) for c in inference.pinned(table.relations)} == {id(c) for c in small}


def test_wide_enough_intervals_keep_every_small_cell_ambiguous():
    table = _table("t", [8, 3, 1])  # total 12 (shown 10, 8..12); cell 8 (shown 10, 8..12)
    assert inference.pinned(table.relations) == []
    inference.protect([table], "withheld")
    assert not table.withheld
    assert [r.cells[0].text for r in table.rows] == ["10", "<5", "<5"]


def test_a_table_that_would_give_a_cell_away_is_withheld_and_says_why():
    table = _table("t", [5, 1, 1])
    safe = _table("u", [8, 3, 1])
    inference.protect([table, safe], "Not shown: its small numbers could be worked out.")
    assert table.withheld
    assert (table.rows, table.total) == ([], None)
    assert table.note == "Not shown: its small numbers could be worked out."
    assert not safe.withheld
    assert len(safe.rows) == 3


def test_a_headline_shared_by_two_breakdowns_pins_what_neither_gives_away_alone():
    """11 incidents shown as 10 (8..12), broken down as 4 + 7 and as 1 + 5 + 5. Alone,
    each breakdown leaves its hidden cell ambiguous (1..4 and 1..2). Together, the first
    adds up to at most 4 + 7 = 11 and the second to at least 1 + 5 + 5 = 11: the total
    is exactly 11, so the hidden cells are 11 - 7 = 4 and 11 - 10 = 1."""
    headline = publish(11, T)
    first, second = _table("first", [4, 7]), _table("second", [1, 5, 5])
    for table in (first, second):
        table.relations.append(inference.equal(table.total.cells[0], headline))
    assert inference.pinned(first.relations) == []
    assert inference.pinned(second.relations) == []
    bounds = inference.narrow([*first.relations, *second.relations])
    assert bounds[id(headline)] == (11, 11)
    assert bounds[id(first.rows[0].cells[0])] == (4, 4)
    assert bounds[id(second.rows[0].cells[0])] == (1, 1)

    # Either breakdown alone gives nothing away, so one of them is withheld, not both.
    inference.protect([first, second], "withheld")
    assert sorted(t.withheld for t in (first, second)) == [False, True]


def test_months_that_add_up_to_their_year_to_date_can_pin_a_month():
    """A type's row of the monthly report: January 5, February 1, March 1, year to date
    7 (shown 5, so at most 7): February and March are each at most 7 - 5 - 1 = 1."""
    row = [publish(c, T) for c in (5, 1, 1, 7)]
    relations = inference.grid([row], None, row_totals=True)
    assert {id(c) for c in inference.pinned(relations)} == {id(row[1]), id(row[2])}
    # A month inside its year to date, with nothing else published, stays ambiguous.
    month, year = publish(1, T), publish(3, T)
    assert inference.pinned([inference.at_most(month, year)]) == []


def test_a_two_way_table_is_checked_along_rows_and_columns():
    """Row totals and column totals both constrain a hidden cell."""
    rows = [
        [publish(5, T), publish(1, T), publish(6, T)],
        [publish(5, T), publish(5, T), publish(10, T)],
    ]
    total = [publish(10, T), publish(6, T), publish(16, T)]
    relations = inference.grid(rows, total, row_totals=True)
    # Row one: 5..7 + hidden = 5..7 (6 shown as 5): the hidden cell is at most 2; the
    # column: total 6 (5..7) minus 5..7 leaves at most 2 as well; not one value.
    bounds = inference.narrow(relations)
    assert bounds[id(rows[0][1])] == (1, 2)
