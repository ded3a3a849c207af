"""Action-plan screens: add and edit an item, mark it met; the plan section of the case
page (300)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases.forms.plan import ActionItemForm, EditActionItemForm, MarkMetForm
from referral.cases.models.plan import ActionPlanItem, Progress
from referral.cases.sections import case_section
from referral.cases.service import plan
from referral.cases.service.common import CaseError, StaleError, today
from referral.cases.views import bp
from referral.cases.views.common import (
    closed_page,
    erased_page,
    load_case,
    load_child,
    refused,
    stale,
    status,
)
from referral.extensions import db

FORM = "cases/plan/item_form.html"


def detail_url(case, anchor: str) -> str:
    return url_for("cases.detail", case_id=case.id) + "#" + anchor


def writable_case(case_id: uuid.UUID):
    """The case to change, or the page that answers instead (404, 410 erased, 409
    closed)."""
    case, access = load_case(case_id)
    if case.is_erased:
        return case, erased_page(case)
    if not access.can_edit:
        return case, closed_page(case)
    return case, None


def _with_choices(form: ActionItemForm, case) -> ActionItemForm:
    form.owner_id.choices = [("", _("— choose —"))] + [
        (str(u.id), u.full_name or u.username) for u in plan.owner_choices(case)
    ]
    return form


def _input(form: ActionItemForm) -> plan.ActionItemInput:
    return plan.ActionItemInput(
        area=form.area.data,
        goal=form.goal.data,
        owner_id=form.owner_id.data,
        due_date=form.due_date.data,
        service_type=form.service_type.data,
        progress=form.progress.data or Progress.NOT_STARTED,
    )


@bp.route("/<uuid:case_id>/plan/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def plan_new(case_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    form = _with_choices(ActionItemForm(), case)
    if request.method == "GET":
        form.owner_id.data = current_user.id
    elif form.validate_on_submit():
        try:
            plan.add_action_item(current_user, case, _input(form))
        except CaseError as exc:
            return refused(form, exc, FORM, case=case, item=None)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(detail_url(case, "plan"))
    return render_template(FORM, form=form, case=case, item=None), status()


def _edit_page(case, item, stale=None, status_code=200):
    """The edit form filled with the item as saved (decrypted, audited)."""
    view = plan.read_action_item(current_user, case, item)
    db.session.commit()
    data = {**plan.item_values(view), "lock_version": view.lock_version}
    form = _with_choices(EditActionItemForm(formdata=None, data=data), case)
    context = {"case": case, "item": item, "stale": stale, "new_version": view.lock_version}
    return render_template(FORM, form=form, **context), status_code


@bp.route("/<uuid:case_id>/plan/<uuid:item_id>/edit", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def plan_edit(case_id: uuid.UUID, item_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    item = load_child(ActionPlanItem, case, item_id)
    if request.method == "GET":
        return _edit_page(case, item)
    form = _with_choices(EditActionItemForm(), case)
    if form.validate_on_submit():
        try:
            plan.update_action_item(current_user, case, item, _input(form), form.lock_version.data)
        except CaseError as exc:
            return refused(form, exc, FORM, case=case, item=item)
        except StaleError as exc:
            version = item.lock_version
            return stale(form, exc, FORM, case=case, item=item, new_version=version)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(detail_url(case, "plan"))
    return render_template(FORM, form=form, case=case, item=item), status()


@bp.post("/<uuid:case_id>/plan/<uuid:item_id>/met")
@require(Permission.CASE_EDIT)
def plan_met(case_id: uuid.UUID, item_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    item = load_child(ActionPlanItem, case, item_id)
    form = MarkMetForm()
    if not form.validate_on_submit():
        flash(_("This form is out of date: the case may have changed. Open the case again."))
        return redirect(detail_url(case, "plan"))
    try:
        plan.mark_met(current_user, case, item, form.lock_version.data)
    except StaleError as exc:
        # Show the item as saved now, so the caseworker sees why and can decide again.
        db.session.rollback()
        return _edit_page(case, item, stale=exc, status_code=409)
    db.session.commit()
    flash(_("Marked as met."), "success")
    return redirect(detail_url(case, "plan"))


@case_section(300, "cases/plan/_plan.html")
def plan_section(user, case, access) -> dict:
    return {"goals": plan.action_items(user, case), "today": today(), "can_edit": access.can_edit}
