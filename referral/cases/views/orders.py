"""Protection-order screens: record and edit an order, record a violation; the
protection-orders section of the case page (450)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases.forms.plan import EditOrderForm, OrderForm, ViolationForm
from referral.cases.models.plan import ProtectionOrder
from referral.cases.sections import case_section
from referral.cases.service import orders
from referral.cases.service.common import CaseError, StaleError
from referral.cases.timeutil import to_local
from referral.cases.views import bp
from referral.cases.views.common import load_child, refused, stale, status
from referral.cases.views.plan import detail_url, writable_case
from referral.dates import format_date
from referral.extensions import db

FORM = "cases/plan/order_form.html"
VIOLATION_FORM = "cases/plan/violation_form.html"


def _with_choices(form: OrderForm, case) -> OrderForm:
    # Plain facts only (type and day): the incident's narrative stays encrypted.
    form.incident_id.choices = [("", _("— not linked —"))] + [
        (
            str(i.id),
            f"{i.gbv_type.label} — {format_date(to_local(i.occurred_at).date(), 'medium')}",
        )
        for i in orders.incident_choices(case)
    ]
    return form


def _input(form: OrderForm) -> orders.OrderInput:
    return orders.OrderInput(
        kind=form.kind.data,
        issuing_body=form.issuing_body.data,
        issued_on=form.issued_on.data,
        issuing_unit=form.issuing_unit.data,
        valid_until=form.valid_until.data,
        extended_until=form.extended_until.data,
        conditions=form.conditions_data(),
        conditions_text=form.conditions_text.data,
        status=form.status_data(),
        incident_id=form.incident_id.data,
    )


def _page(form, case, order, **extra):
    return render_template(
        FORM, form=form, case=case, order=order, durations=orders.default_durations(), **extra
    )


@bp.route("/<uuid:case_id>/orders/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def order_new(case_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    form = _with_choices(OrderForm(), case)
    if form.validate_on_submit():
        try:
            orders.add_order(current_user, case, _input(form))
        except CaseError as exc:
            return refused(
                form, exc, FORM, case=case, order=None, durations=orders.default_durations()
            )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(detail_url(case, "protection-orders"))
    return _page(form, case, None), status()


@bp.route("/<uuid:case_id>/orders/<uuid:order_id>/edit", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def order_edit(case_id: uuid.UUID, order_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    order = load_child(ProtectionOrder, case, order_id)
    if request.method == "GET":
        view = orders.read_order(current_user, case, order)
        db.session.commit()
        values = orders.order_values(view)
        data = {
            **values,
            "conditions": [c.value for c in values["conditions"]],
            "status": values["status"].value,
            "lock_version": view.lock_version,
        }
        return _page(_with_choices(EditOrderForm(formdata=None, data=data), case), case, order)
    form = _with_choices(EditOrderForm(), case)
    if form.validate_on_submit():
        try:
            orders.update_order(current_user, case, order, _input(form), form.lock_version.data)
        except CaseError as exc:
            return refused(
                form, exc, FORM, case=case, order=order, durations=orders.default_durations()
            )
        except StaleError as exc:
            version = order.lock_version
            return stale(
                form,
                exc,
                FORM,
                case=case,
                order=order,
                durations=orders.default_durations(),
                new_version=version,
            )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(detail_url(case, "protection-orders"))
    return _page(form, case, order), status()


@bp.route("/<uuid:case_id>/orders/<uuid:order_id>/violations/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def order_violation(case_id: uuid.UUID, order_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    order = load_child(ProtectionOrder, case, order_id)
    form = ViolationForm()
    if form.validate_on_submit():
        try:
            orders.record_violation(
                current_user,
                case,
                order,
                orders.ViolationInput(form.occurred_on.data, form.description.data),
            )
        except CaseError as exc:
            return refused(form, exc, VIOLATION_FORM, case=case, order=order)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(detail_url(case, "protection-orders"))
    return render_template(VIOLATION_FORM, form=form, case=case, order=order), status()


@case_section(450, "cases/plan/_orders.html")
def orders_section(user, case, access) -> dict:
    return {"orders": orders.orders(user, case), "can_edit": access.can_edit}
