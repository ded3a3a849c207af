"""Chart geometry for the dashboard's server-side SVG: bars computed here from the
published cells only (a suppressed cell draws no bar and is labelled "<t"), drawn by
templates/stats/_chart.html. No JavaScript; every chart sits beside its data table and
carries a text alternative."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from referral.stats.service import Table
from referral.stats.suppression import Cell

WIDTH = 640
LABEL_WIDTH = 220
BAR_HEIGHT = 22
GAP = 6
TREND_HEIGHT = 180
# Colours with enough contrast on white, distinguishable without colour too (the
# stacked chart's segments are also told apart by their order and the legend).
PALETTE = ("#1f5f99", "#c2571a", "#2e7d32", "#8e244d", "#5d5d5d")


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_text: str
    colour: str = PALETTE[0]


@dataclass
class Chart:
    kind: str
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, float, str]]  # x, y, text
    legend: list[tuple[str, str]]  # colour, text


def _value(cell) -> float:
    if isinstance(cell, Cell):
        return float(cell.value or 0)
    try:
        return float(str(cell).rstrip("%").replace("\u00a0", "").replace(",", "."))
    except (TypeError, ValueError):
        return 0.0


def _text(cell) -> str:
    if isinstance(cell, Cell):
        return cell.text
    return "—" if cell is None else str(cell)


def _describe(table: Table, column: int = 0) -> str:
    items = [f"{row.label}: {_text(row.cells[column])}" for row in table.rows]
    return _("%(title)s. %(items)s.", title=table.title, items="; ".join(items))


def _horizontal(table: Table, column: int) -> Chart:
    top = max([_value(row.cells[column]) for row in table.rows] + [1.0])
    span = WIDTH - LABEL_WIDTH - 60
    bars, labels = [], []
    for i, row in enumerate(table.rows):
        y = i * (BAR_HEIGHT + GAP)
        width = span * _value(row.cells[column]) / top
        bars.append(Bar(LABEL_WIDTH, y, width, BAR_HEIGHT, row.label, _text(row.cells[column])))
        labels.append((LABEL_WIDTH + width + 4, y + BAR_HEIGHT * 0.7, _text(row.cells[column])))
    height = max(len(table.rows) * (BAR_HEIGHT + GAP), BAR_HEIGHT)
    return Chart("bars", table.title, _describe(table, column), WIDTH, height, bars, labels, [])


def _trend(table: Table) -> Chart:
    n = max(len(table.rows), 1)
    top = max([_value(row.cells[0]) for row in table.rows] + [1.0])
    slot = (WIDTH - 40) / n
    bars, labels = [], []
    for i, row in enumerate(table.rows):
        height = (TREND_HEIGHT - 40) * _value(row.cells[0]) / top
        x = 20 + i * slot
        y = TREND_HEIGHT - 30 - height
        bars.append(Bar(x + 2, y, slot - 4, height, row.label, _text(row.cells[0])))
        labels.append((x + slot / 2, y - 4, _text(row.cells[0])))
    return Chart("trend", table.title, _describe(table), WIDTH, TREND_HEIGHT, bars, labels, [])


def _stacked(table: Table) -> Chart:
    parts = len(table.headers) - 1  # the last column is the row's total
    top = max([_value(row.cells[-1]) for row in table.rows] + [1.0])
    span = WIDTH - LABEL_WIDTH - 60
    bars, labels = [], []
    for i, row in enumerate(table.rows):
        y, x = i * (BAR_HEIGHT + GAP), float(LABEL_WIDTH)
        for j in range(parts):
            width = span * _value(row.cells[j]) / top
            if width:
                bars.append(
                    Bar(
                        x,
                        y,
                        width,
                        BAR_HEIGHT,
                        f"{row.label}, {table.headers[j]}",
                        _text(row.cells[j]),
                        PALETTE[j % len(PALETTE)],
                    )
                )
            x += width
        labels.append((x + 4, y + BAR_HEIGHT * 0.7, _text(row.cells[-1])))
    height = max(len(table.rows) * (BAR_HEIGHT + GAP), BAR_HEIGHT)
    legend = [(PALETTE[j % len(PALETTE)], table.headers[j]) for j in range(parts)]
    description = _describe(table, len(table.headers) - 1)
    return Chart("stacked", table.title, description, WIDTH, height, bars, labels, legend)


def chart_for(table: Table) -> Chart | None:
    if table.chart is None or table.is_empty:
        return None
    if table.chart == "trend":
        return _trend(table)
    if table.chart == "stacked":
        return _stacked(table)
    # Response times: the median hours column; counts: the first column.
    column = 3 if table.key.startswith("timeliness") else 0
    return _horizontal(table, column)
