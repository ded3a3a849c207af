"""Closure screens: ask for closure, the supervisor's review (approve or send back),
reopen, the anonymous client-feedback form, and the print view of the case summary.

The feedback form is not under a case's URL on purpose: nothing in the request, the
row or the audit event ties the answers to the survivor's case.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases import service as cases
from referral.cases.forms.closure import (
    ClosureRequestForm,
    ClosureReviewForm,
    FeedbackForm,
    PrintForm,
    ReopenForm,
)
from referral.cases.models import FEEDBACK_QUESTIONS, CaseStatus, ClosureCheck
from referral.cases.sections import SECTIONS, case_section
from referral.cases.service import CaseError, StaleError
from referral.cases.service import closure as service
from referral.cases.service.common import audit_case, one_read_event
from referral.cases.service.intake import INTAKE_UNITS
from referral.cases.views import bp
from referral.cases.views.common import (
    closed_page,
    erased_page,
    load_case,
    refused,
    stale,
    status,
)
from referral.crypto import grants as U
from referral.db import utcnow
from referral.extensions import db

REQUEST = "cases/closure/request.html"
REVIEW = "cases/closure/review.html"
REOPEN = "cases/closure/reopen.html"
FEEDBACK = "cases/closure/feedback.html"

# Sections left out of the paper summary: attachments (files, not text), the timeline,
# and the case notes unless the user asks for them.
NOTES_ORDERS = range(500, 600)
NOT_PRINTED = (range(600, 700), range(900, 10_000))


def _detail(case, anchor="closure"):
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=anchor))


@bp.route("/<uuid:case_id>/closure/request", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def closure_request(case_id: uuid.UUID):
    case, access = load_case(case_id)
    if case.is_erased:
        return erased_page(case)
    if not access.can_edit:
        return closed_page(case)
    form = ClosureRequestForm()
    if request.method == "GET":
        state = service.closure_state(case)
        form.reason.data = state.reason
        form.checklist.data = [c.value for c in state.checklist]
        form.lock_version.data = case.lock_version
    elif form.validate_on_submit():
        data = service.ClosureRequestInput(
            reason=form.reason.data,
            checklist=tuple(ClosureCheck(v) for v in form.checklist.data or ()),
        )
        try:
            service.request_closure(current_user, case, data, form.lock_version.data)
        except CaseError as exc:
            return refused(form, exc, REQUEST, case=case)
        except StaleError as exc:
            return stale(form, exc, REQUEST, case=case, new_version=case.lock_version)
        db.session.commit()
        flash(_("Closure requested. A supervisor will review it."), "success")
        return _detail(case)
    return render_template(REQUEST, form=form, case=case), status()


@bp.route("/<uuid:case_id>/closure/review", methods=["GET", "POST"])
@require(Permission.CASE_ERASE)  # the supervisor's permission
def closure_review(case_id: uuid.UUID):
    case, access = load_case(case_id)
    if not access.is_supervisor:
        abort(404)
    if case.is_erased:
        return erased_page(case)
    if request.method == "GET" and case.status != CaseStatus.CLOSURE_REQUESTED:
        flash(_("There is no closure request to decide on."), "warning")
        return _detail(case)
    form = ClosureReviewForm()
    state = service.closure_state(case)
    if request.method == "GET":
        form.lock_version.data = case.lock_version
    elif form.validate_on_submit():
        try:
            if form.decision.data == "approve":
                service.approve_closure(current_user, case, form.lock_version.data)
                message = _("Case %(code)s is closed.", code=case.case_code)
            else:
                service.return_closure(
                    current_user, case, form.return_reason.data, form.lock_version.data
                )
                message = _("The request went back to the caseworker.")
        except CaseError as exc:
            return refused(form, exc, REVIEW, case=case, state=state)
        except StaleError as exc:
            return stale(form, exc, REVIEW, case=case, state=state, new_version=case.lock_version)
        db.session.commit()
        flash(message, "success")
        return _detail(case)
    return render_template(REVIEW, form=form, case=case, state=state), status()


@bp.route("/<uuid:case_id>/reopen", methods=["GET", "POST"])
@require(Permission.CASE_ERASE)  # the supervisor's permission
def reopen(case_id: uuid.UUID):
    case, access = load_case(case_id)
    if not access.is_supervisor:
        abort(404)
    if case.is_erased:
        return erased_page(case)
    if request.method == "GET" and not access.can_reopen:
        flash(_("Only a closed case can be reopened."), "warning")
        return _detail(case)
    form = ReopenForm()
    if request.method == "GET":
        form.lock_version.data = case.lock_version
    elif form.validate_on_submit():
        try:
            service.reopen_case(current_user, case, form.reason.data, form.lock_version.data)
        except CaseError as exc:
            return refused(form, exc, REOPEN, case=case)
        except StaleError as exc:
            return stale(form, exc, REOPEN, case=case, new_version=case.lock_version)
        db.session.commit()
        flash(_("Case %(code)s is open again.", code=case.case_code), "success")
        return _detail(case)
    return render_template(REOPEN, form=form, case=case), status()


@bp.route("/feedback", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def feedback():
    form = FeedbackForm()
    if form.validate_on_submit():
        data = service.FeedbackInput(
            **{name: getattr(form, name).data for name in (*FEEDBACK_QUESTIONS, "overall")}
        )
        try:
            service.record_feedback(current_user, data)
        except CaseError as exc:
            return refused(form, exc, FEEDBACK)
        db.session.commit()
        flash(_("Thank you. Her answers were recorded without her name or case."), "success")
        return redirect(url_for("cases.index"))
    return render_template(FEEDBACK, form=form), status()


def _printed(order: int, notes: bool) -> bool:
    if order in NOTES_ORDERS:
        return notes
    return not any(order in r for r in NOT_PRINTED)


@bp.get("/<uuid:case_id>/print")
@require(Permission.CASE_READ)
def print_case(case_id: uuid.UUID):
    """The case summary for the paper file. Built from the registered sections (a step
    not built yet is simply absent); each section template sees `printing`."""
    case, access = load_case(case_id)
    if case.is_erased:
        return erased_page(case)
    options = PrintForm(request.args)
    notes = bool(options.validate() and options.notes.data)
    units = INTAKE_UNITS if notes else INTAKE_UNITS - {U.NOTES}
    with one_read_event(case):
        record = cases.read_case(current_user, case, units)
        sections = [
            (s.template, s.build(current_user, case, access) or {})
            for s in SECTIONS
            if _printed(s.order, notes)
        ]
    audit_case("case_printed", case, notes=notes)
    db.session.commit()
    response = render_template(
        "cases/print.html",
        case=record,
        access=access,
        sections=sections,
        options=options,
        include_notes=notes,
        printed_at=utcnow(),
        printing=True,
    )
    return response, 200, {"Cache-Control": "no-store"}


@case_section(700, "cases/closure/_section.html")
def closure_section(user, case, access) -> dict:
    return {
        "case_id": case.id,
        "state": service.closure_state(case),
        "can_request": access.can_edit and case.status == CaseStatus.OPEN,
        "can_review": access.can_approve_closure and case.status == CaseStatus.CLOSURE_REQUESTED,
        "can_reopen": access.can_reopen,
        "can_feedback": user.can(Permission.CASE_EDIT)
        and case.status in (CaseStatus.CLOSURE_REQUESTED, CaseStatus.CLOSED),
    }
