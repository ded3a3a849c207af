"""Follow-up screens: record and edit a follow-up; the follow-up section of the case
page (400)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases.forms.plan import EditFollowUpForm, FollowUpForm
from referral.cases.models.plan import FollowUp
from referral.cases.sections import case_section
from referral.cases.service import followup
from referral.cases.service.common import CaseError, StaleError, today
from referral.cases.views import bp
from referral.cases.views.common import load_child, refused, stale, status
from referral.cases.views.plan import detail_url, writable_case
from referral.extensions import db

FORM = "cases/plan/followup_form.html"


def _saved(case, data: followup.FollowUpInput):
    """Back to the case; to its risk section when her risk was re-assessed, where the
    new assessment is recorded."""
    if data.risk_reassessed:
        flash(_("Saved. Record the new risk assessment now."), "success")
        return redirect(detail_url(case, "risk"))
    flash(_("Saved."), "success")
    return redirect(detail_url(case, "follow-up"))


def _input(form: FollowUpForm) -> followup.FollowUpInput:
    return followup.FollowUpInput(
        held_on=form.held_on.data,
        kind=form.kind.data,
        services_received=form.services_received.data,
        services_details=form.services_details.data,
        risk_reassessed=bool(form.risk_reassessed.data),
        notes=form.notes.data,
        next_date=form.next_date.data,
        recommend_closure=bool(form.recommend_closure.data),
    )


@bp.route("/<uuid:case_id>/followups/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def followup_new(case_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    form = FollowUpForm()
    if request.method == "GET":
        form.held_on.data = today()
    elif form.validate_on_submit():
        data = _input(form)
        try:
            followup.add_follow_up(current_user, case, data)
        except CaseError as exc:
            return refused(form, exc, FORM, case=case, record=None)
        db.session.commit()
        return _saved(case, data)
    return render_template(FORM, form=form, case=case, record=None), status()


@bp.route("/<uuid:case_id>/followups/<uuid:followup_id>/edit", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def followup_edit(case_id: uuid.UUID, followup_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    record = load_child(FollowUp, case, followup_id)
    if request.method == "GET":
        view = followup.read_follow_up(current_user, case, record)
        db.session.commit()
        data = {**followup.follow_up_values(view), "lock_version": view.lock_version}
        form = EditFollowUpForm(formdata=None, data=data)
        return render_template(FORM, form=form, case=case, record=record)
    form = EditFollowUpForm()
    if form.validate_on_submit():
        data = _input(form)
        try:
            followup.update_follow_up(current_user, case, record, data, form.lock_version.data)
        except CaseError as exc:
            return refused(form, exc, FORM, case=case, record=record)
        except StaleError as exc:
            version = record.lock_version
            return stale(form, exc, FORM, case=case, record=record, new_version=version)
        db.session.commit()
        return _saved(case, data)
    return render_template(FORM, form=form, case=case, record=record), status()


@case_section(400, "cases/plan/_followups.html")
def followup_section(user, case, access) -> dict:
    return {"records": followup.follow_ups(user, case), "can_edit": access.can_edit}
