"""CSV and XLSX files of what the dashboard shows: the same published cells, with a
header naming the scope, the period, the filters and the suppression rule.

A spreadsheet treats a cell starting with =, +, -, @, a tab or a carriage return as a
formula (CSV injection): every such text cell gets a leading single quote. Numbers are
written as numbers, never as text that could start with "-".
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from referral.stats.service import Dashboard, Table
from referral.stats.suppression import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value):
    if isinstance(value, Cell):
        return value.value if value.value is not None else value.text
    return "" if value is None else value


def header_lines(
    dashboard: Dashboard, scope_name: str, period: str, filters: list[str], title=None
) -> list:
    """`dashboard`: anything with the threshold (a dashboard, a monthly report)."""
    t = dashboard.threshold
    return [
        [title or _("Anonymised statistics")],
        [_("Scope"), scope_name],
        [_("Period"), period],
        [_("Filters"), "; ".join(filters) or _("none")],
        [
            _("Suppression"),
            _(
                "Only incidents with consent to non-identifying reporting, cases not "
                "erased. Counts from 1 to %(low)s are shown as <%(t)s; other counts are "
                "rounded to a multiple of %(t)s.",
                low=t - 1,
                t=t,
            ),
        ],
    ]


def _table_lines(table: Table) -> list:
    lines = [[table.title], [table.row_header, *table.headers]]
    for row in table.rows:
        lines.append([row.label, *(_cell(c) for c in row.cells)])
    if table.total is not None:
        lines.append([table.total.label, *(_cell(c) for c in table.total.cells)])
    if table.note:
        lines.append([table.note])
    return lines


def _lines(dashboard: Dashboard, header: list) -> list:
    lines = [*header, []]
    if dashboard.too_few:
        lines.append([too_few_message(dashboard)])
        return lines
    for table in dashboard.tables:
        lines.extend(_table_lines(table))
        lines.append([])
    return lines


def too_few_message(dashboard: Dashboard) -> str:
    return _(
        "Fewer than %(t)s incidents in this area and period: no figures are shown, so "
        "that no survivor can be recognised. Choose a longer period or a larger area.",
        t=dashboard.threshold,
    )


def to_csv(dashboard: Dashboard, header: list) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _lines(dashboard, header):
        writer.writerow([neutralise(v) for v in line])
    # A byte-order mark: Excel opens UTF-8 (Kyrgyz, Russian) correctly only with it.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(dashboard: Dashboard, header: list, sheet_title=None) -> bytes:
    """`dashboard`: a dashboard or a monthly report (threshold, too_few, tables)."""
    book = Workbook()
    sheet = book.active
    sheet.title = (sheet_title or _("Statistics"))[:31]
    bold = Font(bold=True)
    titles = {t.title for t in dashboard.tables}
    for line in _lines(dashboard, header):
        sheet.append([neutralise(v) for v in line])
        if line and line[0] in titles:
            sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.column_dimensions["A"].width = 48
    for column in "BCDEFG":
        sheet.column_dimensions[column].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
