"""Statistics pages: the dashboard of the user's scope and its CSV and XLSX exports.

Each view parses the filters, resolves the scope (404 outside it), builds the
published figures once, and renders or sends them. An export is audited (who, which
scope, which filters: codes and ids only) in the same transaction that serves it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, render_template, request
from flask_babel import format_number
from flask_login import current_user

from referral.audit import service as audit
from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.directory.service import descendant_ids
from referral.extensions import db
from referral.stats import exports, monthly, policy, service
from referral.stats.charts import chart_for
from referral.stats.forms import MonthlyReportForm, StatsFilterForm
from referral.stats.suppression import Cell

bp = Blueprint("stats", __name__, url_prefix="/stats")


def _form(scope) -> tuple[StatsFilterForm, list]:
    options = policy.area_options(scope)
    form = StatsFilterForm(request.args, area_choices=[(str(a.id), a.label) for a in options])
    return form, options


def _load():
    """(form, dashboard or None, area); the dashboard is None when the filters are
    invalid (the page then shows the form's messages with status 422)."""
    scope = policy.scope_for(current_user)
    form, _options = _form(scope)
    if not form.validate():
        return scope, form, None, None
    area = policy.get_area_for(scope, form.area.data)
    area_ids = frozenset(descendant_ids(area.id)) if area is not None else None
    return scope, form, service.build_dashboard(scope, form.to_filters(area_ids)), area


def _scope_name(scope, area) -> str:
    name = scope.label
    if scope.kind == policy.ScopeKind.AREA and scope.roots:
        from referral.directory.models import Location

        roots = [db.session.get(Location, r) for r in scope.roots]
        name = f"{name}: " + ", ".join(loc.name for loc in roots if loc is not None)
    elif scope.organisation_id is not None:
        name = f"{name}: {current_user.organisation.name}"
    if area is not None:
        name = f"{name} · {area.name}"
    return name


def _period_text(dashboard) -> str:
    start, end = dashboard.filters.start, dashboard.filters.end
    first = service.month_label(start)
    last_month = service.month_label(end - timedelta(days=1))
    return first if first == last_month else f"{first} – {last_month}"


def _filter_texts(form: StatsFilterForm) -> list[str]:
    texts = []
    for field in (form.gbv_type, form.age_band, form.sex):
        if field.data is not None:
            texts.append(f"{field.label.text}: {field.data.label}")
    return texts


@bp.get("/")
@require(Permission.STATS_VIEW)
def dashboard():
    scope, form, board, area = _load()
    if board is None:
        db.session.rollback()
        return render_template("stats/dashboard.html", form=form, board=None), 422
    db.session.commit()
    charts = {t.key: chart_for(t) for t in board.tables}
    return render_template(
        "stats/dashboard.html",
        form=form,
        board=board,
        charts=charts,
        scope_name=_scope_name(scope, area),
        period=_period_text(board),
        filter_texts=_filter_texts(form),
        export_args=form.query_args(),
        too_few=exports.too_few_message(board) if board.too_few else None,
    )


def _suppressed(tables) -> int:
    return sum(
        1
        for t in tables
        for row in [*t.rows, *([t.total] if t.total else [])]
        for c in row.cells
        if isinstance(c, Cell) and c.is_suppressed
    )


def _export(kind: str):
    scope, form, board, area = _load()
    if board is None:
        db.session.rollback()
        return render_template("stats/dashboard.html", form=form, board=None), 422
    header = exports.header_lines(
        board, _scope_name(scope, area), _period_text(board), _filter_texts(form)
    )
    if kind == "csv":
        body, mimetype = exports.to_csv(board, header), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(board, header)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    detail = {
        "format": kind,
        **scope.audit_detail(),
        "suppressed_cells": _suppressed(board.tables),
        **{k: v for k, v in form.audit_detail().items() if v is not None},
    }
    audit.record("stats_export", target_type="stats", detail=detail)
    db.session.commit()
    filename = f"statistics-{board.filters.start:%Y-%m}.{kind}"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/export.csv")
@require(Permission.STATS_VIEW)
def export_csv():
    return _export("csv")


@bp.get("/export.xlsx")
@require(Permission.STATS_VIEW)
def export_xlsx():
    return _export("xlsx")


def _load_monthly():
    """(scope, form, report or None, area), as `_load` for the dashboard."""
    scope = policy.report_scope_for(current_user)
    options = policy.area_options(scope)
    form = MonthlyReportForm(request.args, area_choices=[(str(a.id), a.label) for a in options])
    if not form.validate():
        return scope, form, None, None
    area = policy.get_area_for(scope, form.area.data)
    area_ids = frozenset(descendant_ids(area.id)) if area is not None else None
    return scope, form, monthly.build_monthly(scope, form.chosen_month(), area_ids), area


@bp.get("/monthly")
@require(Permission.STATS_VIEW)
def monthly_report():
    scope, form, report, area = _load_monthly()
    if report is None:
        db.session.rollback()
        return render_template("stats/monthly.html", form=form, report=None), 422
    db.session.commit()
    return render_template(
        "stats/monthly.html",
        form=form,
        report=report,
        scope_name=_scope_name(scope, area),
        export_args=form.query_args(),
        too_few=exports.too_few_message(report) if report.too_few else None,
    )


@bp.get("/monthly.xlsx")
@require(Permission.STATS_VIEW)
def monthly_xlsx():
    scope, form, report, area = _load_monthly()
    if report is None:
        db.session.rollback()
        return render_template("stats/monthly.html", form=form, report=None), 422
    header = exports.header_lines(
        report,
        _scope_name(scope, area),
        service.month_label(report.month),
        [],
        title=report.title,
    )
    body = exports.to_xlsx(report, header, sheet_title=monthly.sheet_title())
    audit.record(
        "stats_export",
        target_type="stats",
        detail={
            "format": "xlsx",
            "report": "monthly",
            **scope.audit_detail(),
            "suppressed_cells": _suppressed(report.tables),
            **{k: v for k, v in form.audit_detail().items() if v is not None},
        },
    )
    db.session.commit()
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": (
                f'attachment; filename="gbv-monthly-report-{report.month:%Y-%m}.xlsx"'
            ),
            "Cache-Control": "no-store",
        },
    )


@bp.app_template_filter("stat")
def format_stat(value) -> str:
    """A published figure in the user's language: a number, "<t", or a dash."""
    if isinstance(value, Cell):
        return value.text if value.value is None else format_number(value.value)
    if isinstance(value, int):
        return format_number(value)
    return "—" if value is None else str(value)
