"""Intake screens: the list, open a case (with the duplicate check), search, the case
page, edit the intake record, assign caseworkers, erase.

Search is a POST and its result is rendered in the response: the term never appears in
a URL, a log line or the audit trail.
"""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from referral.auth.access import require
from referral.auth.permissions import Permission, Role
from referral.cases import policy, service
from referral.cases.forms import (
    AssignForm,
    CaseFilterForm,
    CaseForm,
    EditCaseForm,
    EraseForm,
    SearchForm,
)
from referral.cases.models import ErasureReason
from referral.cases.sections import build_sections, case_section
from referral.cases.service import intake, timeline
from referral.cases.service.common import one_read_event
from referral.cases.views import bp
from referral.cases.views.common import closed_page, erased_page, load_case, refused, stale, status
from referral.crypto.envelope import DecryptionError, KeyDestroyedError
from referral.crypto.grants import GrantError
from referral.directory.models import Location
from referral.errors import render_error
from referral.extensions import db
from referral.rules import rules_too


def _residence_choices() -> list[tuple[str, str]]:
    locations = db.session.execute(
        select(Location).where(Location.level.in_(intake.RESIDENCE_LEVELS))
    ).scalars()
    named = sorted(
        (
            (str(loc.id), f"{loc.parent.name} — {loc.name}" if loc.parent else loc.name)
            for loc in locations
        ),
        key=lambda pair: pair[1],
    )
    return [("", _("— choose —")), *named]


def _input(form: CaseForm) -> service.CaseInput:
    return service.CaseInput(
        full_name=form.full_name.data or "",
        birth_date=form.birth_date.data,
        estimated_age=form.estimated_age.data,
        sex=form.sex.data,
        phone=form.phone.data,
        safe_contact_method=form.safe_contact_method.data,
        safe_times=form.safe_times.data,
        address=form.address.data,
        do_not_contact=bool(form.do_not_contact.data),
        caregiver_name=form.caregiver_name.data,
        caregiver_relationship=form.caregiver_relationship.data,
        caregiver_phone=form.caregiver_phone.data,
        accompanying_children=form.accompanying_children.data,
        note=form.note.data,
        referral_source=form.referral_source.data,
        disability=form.disability.data,
        marital_status=form.marital_status.data,
        displacement=form.displacement.data,
        residence_location_id=form.residence_location_id.data,
    )


@bp.get("/")
@require(Permission.CASE_READ)
def index():
    form = CaseFilterForm(request.args)
    staff = []
    if current_user.role == Role.SUPERVISOR:
        staff = [
            (str(u.id), u.full_name or u.username)
            for u in service.staff_of(current_user.organisation_id)
        ]
    form.caseworker.choices = [("", _("Any caseworker")), *staff]
    if not form.validate():
        form = CaseFilterForm(formdata=None)
        form.caseworker.choices = [("", _("Any caseworker")), *staff]
    filters = service.CaseFilters(
        status=form.status.data, risk=form.risk.data, caseworker_id=form.caseworker.data
    )
    page = service.list_cases(current_user, filters, request.args.get("after"))
    db.session.commit()
    args = {k: v for k, v in request.args.items() if k in ("status", "risk", "caseworker") and v}
    return render_template(
        "cases/index.html",
        page=page,
        rows=page.rows,
        filters=form,
        filter_args=args,
        form=SearchForm(),
        show_owner=current_user.role == Role.SUPERVISOR,
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.CASE_CREATE)
def new():
    form = CaseForm()
    form.residence_location_id.choices = _residence_choices()
    if form.validate_on_submit():
        try:
            case = service.open_case(
                current_user, _input(form), duplicates_checked=bool(form.duplicates_checked.data)
            )
        except service.CaseError as exc:
            return refused(form, exc, "cases/form.html", case=None, duplicates=[])
        except service.PossibleDuplicates as found:
            db.session.commit()  # the duplicate check itself is audited
            return render_template(
                "cases/form.html", form=form, case=None, duplicates=found.rows
            ), 200
        db.session.commit()
        flash(_("Case %(code)s opened.", code=case.case_code), "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    if form.is_submitted():
        rules_too(form, lambda: intake.clean_intake(_input(form)))
    return render_template("cases/form.html", form=form, case=None, duplicates=[]), status()


@bp.route("/search", methods=["GET", "POST"])
@require(Permission.CASE_SEARCH)
def search():
    form = SearchForm()
    if form.validate_on_submit():
        result = service.search_cases(current_user, form.term.data)
        db.session.commit()
        return render_template("cases/search.html", form=form, result=result)
    return render_template("cases/search.html", form=form, result=None), status()


@bp.get("/<uuid:case_id>")
@require(Permission.CASE_READ)
def detail(case_id: uuid.UUID):
    case, access = load_case(case_id)
    if case.is_erased:
        return erased_page(case)
    with one_read_event(case):
        record = service.read_case(current_user, case)
        sections = build_sections(current_user, case, access)
    db.session.commit()
    return render_template("cases/detail.html", case=record, access=access, sections=sections)


@bp.route("/<uuid:case_id>/edit", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def edit(case_id: uuid.UUID):
    case, access = load_case(case_id)
    if case.is_erased:
        return erased_page(case)
    if not access.can_edit:
        return closed_page(case)
    form = EditCaseForm()
    form.residence_location_id.choices = _residence_choices()
    if request.method == "GET":
        record = service.read_case(current_user, case)
        db.session.commit()
        form = EditCaseForm(
            data={**intake.intake_values(record), "lock_version": record.lock_version}
        )
        form.residence_location_id.choices = _residence_choices()
    elif form.validate_on_submit():
        try:
            service.update_case(current_user, case, _input(form), form.lock_version.data)
            db.session.commit()
        except service.CaseError as exc:
            return refused(form, exc, "cases/form.html", case=case, duplicates=[])
        except service.StaleError as exc:
            response = stale(form, exc, "cases/form.html", case=case, duplicates=[])
            return response
        flash(_("Saved."), "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    else:
        rules_too(form, lambda: intake.clean_intake(_input(form)))
    return render_template("cases/form.html", form=form, case=case, duplicates=[]), status()


@bp.route("/<uuid:case_id>/assign", methods=["GET", "POST"])
@require(Permission.CASE_ERASE)  # the supervisor's permission
def assign(case_id: uuid.UUID):
    case, access = load_case(case_id)
    if not access.can_assign:
        abort(404)
    staff = service.assignable_caseworkers(case)
    form = AssignForm()
    choices = [(str(u.id), u.full_name or u.username) for u in staff]
    form.owner_id.choices = choices
    form.assigned_ids.choices = choices
    if request.method == "GET":
        form.owner_id.data = case.owner_id
        form.assigned_ids.data = [str(a.user_id) for a in case.assignments]
    elif form.validate_on_submit():
        ids = [policy.parse_id(v) for v in form.assigned_ids.data or []]
        try:
            service.assign_case(current_user, case, form.owner_id.data, [i for i in ids if i])
        except service.CaseError as exc:
            return refused(form, exc, "cases/assign.html", case=case)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/assign.html", form=form, case=case), status()


@bp.route("/<uuid:case_id>/erase", methods=["GET", "POST"])
@require(Permission.CASE_ERASE)
def erase(case_id: uuid.UUID):
    case, access = load_case(case_id)
    if not access.is_supervisor:
        abort(404)
    if case.is_erased:
        return erased_page(case)
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm_code.data.strip().upper() != case.case_code:
            form.confirm_code.errors.append(_("The code does not match this case."))
            return render_template("cases/erase.html", form=form, case=case), 422
        service.erase_case(current_user, case, ErasureReason(form.reason.data))
        db.session.commit()
        flash(_("Case %(code)s was erased.", code=case.case_code), "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/erase.html", form=form, case=case), status()


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


@bp.app_errorhandler(service.CaseClosedError)
def case_closed(error):
    db.session.rollback()
    return render_error(409)


@case_section(900, "cases/_timeline.html")
def timeline_section(user, case, access) -> dict:
    return {"entries": timeline.timeline(case)}
