"""Case screens: list, open a case, search, read, edit, erase.

Search is a POST and its result is rendered in the response: the term never appears in
a URL, a log line or the audit trail.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases import policy, service
from referral.cases.forms import CaseForm, EditCaseForm, EraseForm, SearchForm
from referral.cases.models import Case, ErasureReason
from referral.crypto.envelope import DecryptionError, KeyDestroyedError
from referral.crypto.grants import GrantError
from referral.errors import render_error
from referral.extensions import db

bp = Blueprint("cases", __name__, url_prefix="/cases")


def _load(case_id: str) -> Case:
    case = policy.get_case_for(current_user, case_id)
    if case is None:
        abort(404)
    return case


def _status() -> int:
    """200 for a GET; 422 when a submitted form is shown again because it was refused."""
    return 422 if request.method == "POST" else 200


def _refused(form: CaseForm, exc: service.CaseError, case: Case | None):
    db.session.rollback()
    getattr(form, exc.field or "full_name").errors.append(exc.message)
    return render_template("cases/form.html", form=form, case=case), 422


def _page_arg() -> int:
    """The requested page number: anything that is not a plain number reads as 1, and
    a number too long to be a page reads as a page past the end (clamped later)."""
    raw = request.args.get("page", "").strip()
    if not raw.isascii() or not raw.lstrip("-").isdigit():
        return 1
    if len(raw.lstrip("-")) > 9:
        return -1 if raw.startswith("-") else 10**9
    return int(raw)


def _input(form: CaseForm) -> service.CaseInput:
    return service.CaseInput(
        full_name=form.full_name.data,
        birth_date=form.birth_date.data,
        phone=form.phone.data,
        note=form.note.data,
    )


@bp.get("/")
@require(Permission.CASE_READ)
def index():
    requested = _page_arg()
    rows, total = service.list_cases(current_user, requested)
    db.session.commit()
    page, pages = service.clamp_page(requested, total), service.page_count(total)
    return render_template(
        "cases/index.html", rows=rows, total=total, page=page, pages=pages, form=SearchForm()
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.CASE_CREATE)
def new():
    form = CaseForm()
    if form.validate_on_submit():
        try:
            case = service.open_case(current_user, _input(form))
        except service.CaseError as exc:
            return _refused(form, exc, None)
        db.session.commit()
        flash(_("Case %(code)s opened.", code=case.case_code), "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/form.html", form=form, case=None), _status()


@bp.route("/search", methods=["GET", "POST"])
@require(Permission.CASE_SEARCH)
def search():
    form = SearchForm()
    result = None
    if form.validate_on_submit():
        result = service.search_cases(current_user, form.term.data)
        db.session.commit()
        return render_template("cases/search.html", form=form, result=result)
    return render_template("cases/search.html", form=form, result=result), _status()


@bp.get("/<case_id>")
@require(Permission.CASE_READ)
def detail(case_id: str):
    case = _load(case_id)
    try:
        record = service.read_case(current_user, case)
    except service.CaseErasedError:
        return _erased(case)
    db.session.commit()
    return render_template(
        "cases/detail.html",
        case=record,
        can_edit=current_user.can(Permission.CASE_EDIT),
        can_erase=policy.can_erase(current_user, case),
    )


@bp.route("/<case_id>/edit", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def edit(case_id: str):
    case = _load(case_id)
    if case.is_erased:
        return _erased(case)
    form = EditCaseForm()
    if request.method == "GET":
        record = service.read_case(current_user, case)
        db.session.commit()
        form = EditCaseForm(
            full_name=record.full_name,
            birth_date=record.birth_date,
            phone=record.phone,
            note=record.note,
            lock_version=record.lock_version,
        )
    elif form.validate_on_submit():
        try:
            service.update_case(current_user, case, _input(form), form.lock_version.data)
            db.session.commit()
        except service.CaseError as exc:
            return _refused(form, exc, case)
        except StaleDataError:
            db.session.rollback()
            return render_error(409)
        flash(_("Saved."), "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/form.html", form=form, case=case), _status()


@bp.route("/<case_id>/erase", methods=["GET", "POST"])
@require(Permission.CASE_ERASE)
def erase(case_id: str):
    case = _load(case_id)
    if not policy.can_erase(current_user, case):
        abort(404)
    if case.is_erased:
        return _erased(case)
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm_code.data.strip().upper() != case.case_code:
            form.confirm_code.errors.append(_("The code does not match this case."))
            return render_template("cases/erase.html", form=form, case=case), 422
        service.erase_case(current_user, case, ErasureReason(form.reason.data))
        db.session.commit()
        flash(_("Case %(code)s was erased.", code=case.case_code), "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/erase.html", form=form, case=case), _status()


def _erased(case: Case):
    return render_template("cases/erased.html", case=case), 410


@bp.app_errorhandler(DecryptionError)
@bp.app_errorhandler(KeyDestroyedError)
def decryption_failed(error):
    """Fail closed: audit (ids only, in its own transaction) and show a generic page."""
    db.session.rollback()
    service.report_decrypt_failure(error)
    db.session.commit()
    current_app.logger.error("decryption failed (%s)", getattr(error, "reason", "destroyed"))
    return render_error(500)


@bp.app_errorhandler(GrantError)
def grant_refused(error):
    db.session.rollback()
    return render_error(404)
