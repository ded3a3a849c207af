"""The caseworker's referral screens: send a referral along the pathway (choose the step
or another service, then the provider, then what to share), the referral's page (its
steps, the provider's feedback, withdraw, complete, and for a provider without an
account: record its answer on its behalf), and the printed slip.

`detail` is the one page of a referral for everyone who may see it: a provider focal
point gets the provider's view (`views.provider.provider_detail`), a case role this one.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases import policy as case_policy
from referral.cases.service import consent
from referral.cases.service.common import StaleError, one_read_event
from referral.extensions import db
from referral.referrals import policy, sharing
from referral.referrals import sections as _sections  # noqa: F401  (registers the case section)
from referral.referrals.forms import (
    ChooseServiceForm,
    CompleteForm,
    RecordResponseForm,
    SendForm,
    WithdrawForm,
)
from referral.referrals.models import ReferralStatus
from referral.referrals.service import casework, lifecycle, proposals
from referral.referrals.service.lifecycle import ReferralError
from referral.referrals.views import bp
from referral.rules import refused

SEND = "referrals/caseworker/send.html"
DETAIL = "referrals/caseworker/detail.html"
WITHDRAW = "referrals/caseworker/withdraw.html"
RECORD = "referrals/caseworker/record.html"


# --- loaders ---------------------------------------------------------------------------


def _load_case(case_id: uuid.UUID):
    case = case_policy.get_case_for(current_user, case_id)
    if case is None:
        abort(404)
    return case, case_policy.access_for(current_user, case)


def _erased(case):
    return render_template("cases/erased.html", case=case), 410


def _closed(case):
    return render_template("cases/closed.html", case=case), 409


def _load_referral(referral_id: uuid.UUID):
    """A referral of a case the user works on, and the access decision; 404 otherwise
    (also for the provider it is addressed to: these are the caseworker's screens)."""
    referral = policy.get_referral_for(current_user, referral_id)
    if referral is None:
        abort(404)
    access = policy.access_for(current_user, referral)
    if not access.as_case_worker:
        abort(404)
    return referral, access


def _stale(form, template: str, **context):
    db.session.rollback()
    return render_template(template, form=form, stale=StaleError([], {}), **context), 409


# --- sending ---------------------------------------------------------------------------


def _parse_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _choice(case, args):
    """The step, service type and provider the page was opened for (query arguments on
    the way in; the posted hidden fields when the form comes back)."""
    step_id = _parse_uuid(args.get("step") or args.get("step_id"))
    step = proposals.step_for(case, step_id)
    if step_id is not None and step is None and request.method == "GET":
        abort(404)  # posted: the service says the pathway changed, with the other errors
    service_type = step.service_type if step is not None else None
    if service_type is None:
        chooser = ChooseServiceForm(args)
        service_type = proposals.sendable_type(chooser.service_type.data)
    provider_id = _parse_uuid(args.get("provider") or args.get("to_org_id"))
    return step, service_type, provider_id


@bp.route("/cases/<uuid:case_id>/new", methods=["GET", "POST"])
@require(Permission.REFERRAL_SEND)
def new(case_id: uuid.UUID):
    case, access = _load_case(case_id)
    if case.is_erased:
        return _erased(case)
    if not access.can_edit:
        return _closed(case)
    args = request.form if request.method == "POST" else request.args
    step, service_type, provider_id = _choice(case, args)
    found = []
    if service_type is not None:
        found = proposals.proposals_for(
            proposals.survivor_of(current_user, case), service_type, step
        )
    chosen = proposals.find_proposal(found, provider_id)
    context = {
        "case": case,
        "step": step,
        "service_type": service_type,
        "proposals": found,
        "chosen": chosen,
        "has_residence": case.residence_location_id is not None,
        "chooser": ChooseServiceForm(request.args),
        "can_override": current_user.can(Permission.REFERRAL_OVERRIDE),
        "release": (
            proposals.release_for(case, service_type, chosen.organisation_id) if chosen else None
        ),
    }
    profile = chosen.profile if chosen else ()
    if request.method == "GET":
        form = SendForm(formdata=None, profile=profile)
        form.shared_items.data = [c for c in profile if c != "summary"]
        form.step_id.data = str(step.id) if step else ""
        form.service_type.data = service_type.value if service_type else ""
        form.to_org_id.data = str(chosen.organisation_id) if chosen else ""
        db.session.commit()  # the age read for eligibility is audited
        return render_template(SEND, form=form, **context)
    form = SendForm(profile=profile)
    if not form.validate_on_submit():
        db.session.rollback()
        return render_template(SEND, form=form, **context), 422
    try:
        referral = proposals.send_along(current_user, case, form.to_input())
    except ReferralError as exc:
        return refused(form, exc, SEND, **context)
    db.session.commit()
    if referral.is_on_paper:
        flash(
            _("Referral recorded. The provider has no account: print the slip for it."), "success"
        )
    else:
        flash(_("Referral sent. The provider sees it in its inbox."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


# --- one referral ----------------------------------------------------------------------


def _detail_page(referral, access, *, complete_form=None, status=200):
    with one_read_event(referral.case):
        detail = casework.referral_detail(current_user, referral)
    case_access = case_policy.access_for(current_user, referral.case)
    db.session.commit()
    return render_template(
        DETAIL,
        referral=detail,
        access=access,
        can_complete=(
            case_access.can_edit
            and current_user.can(Permission.REFERRAL_SEND)
            and referral.status == ReferralStatus.SERVICE_PROVIDED
        ),
        can_print=current_user.can(Permission.REFERRAL_SEND) and casework.may_print_slip(referral),
        complete_form=complete_form
        or CompleteForm(formdata=None, lock_version=detail.lock_version),
    ), status


@bp.get("/<uuid:referral_id>")
@require(Permission.CASE_READ, Permission.REFERRAL_INBOX)
def detail(referral_id: uuid.UUID):
    referral = policy.get_referral_for(current_user, referral_id)
    if referral is None:
        abort(404)
    # A page that only reads: everything it decides (this access, the shared view, the
    # provider's own grant) reads the release consent once, as the inbox does its page.
    consent.prefetch_release({referral.case_id})
    access = policy.access_for(current_user, referral)
    if access.as_provider and policy.is_transfer(referral):
        # A receiving centre's supervisor answers a transfer on its own page (the
        # provider's buttons need the inbox permission, which supervisors do not hold).
        return redirect(url_for("referrals.transfer_detail", referral_id=referral.id))
    if access.as_provider:
        try:
            from referral.referrals.views.provider import provider_detail
        except ImportError:  # the provider's view is not there yet
            abort(404)
        return provider_detail(referral, access)
    if not access.as_case_worker:
        abort(404)
    return _detail_page(referral, access)


@bp.route("/<uuid:referral_id>/withdraw", methods=["GET", "POST"])
@require(Permission.REFERRAL_SEND)
def withdraw(referral_id: uuid.UUID):
    referral, access = _load_referral(referral_id)
    case = referral.case
    if not case_policy.access_for(current_user, case).can_edit:
        return _closed(case)
    context = {"referral": referral, "provider_name": referral.to_org.name}
    if not access.can_withdraw:
        return render_template(WITHDRAW, form=None, **context), 409
    form = WithdrawForm(formdata=None, lock_version=referral.lock_version)
    if request.method == "GET":
        return render_template(WITHDRAW, form=form, **context)
    form = WithdrawForm()
    if not form.validate_on_submit() or not form.confirmed.data:
        if not form.confirmed.data:
            form.confirmed.errors = [*form.confirmed.errors, _("Tick the box to confirm.")]
        return render_template(WITHDRAW, form=form, **context), 422
    try:
        lifecycle.withdraw_referral(current_user, referral, form.lock_version.data)
    except StaleError:
        return _stale(form, WITHDRAW, **context)
    except ReferralError as exc:
        return refused(form, exc, WITHDRAW, **context)
    db.session.commit()
    flash(_("Referral withdrawn."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.post("/<uuid:referral_id>/complete")
@require(Permission.REFERRAL_SEND)
def complete(referral_id: uuid.UUID):
    referral, access = _load_referral(referral_id)
    if not case_policy.access_for(current_user, referral.case).can_edit:
        return _closed(referral.case)
    form = CompleteForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _detail_page(referral, access, complete_form=form, status=422)
    try:
        lifecycle.complete_referral(current_user, referral, form.lock_version.data)
    except StaleError:
        db.session.rollback()
        form.form_errors.append(_("Someone changed this referral meanwhile. Check it again."))
        return _detail_page(referral, access, complete_form=form, status=409)
    except ReferralError as exc:
        db.session.rollback()
        form.form_errors.extend(message for _field, message in exc.errors)
        return _detail_page(referral, access, complete_form=form, status=409)
    db.session.commit()
    flash(_("Referral completed."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.route("/<uuid:referral_id>/record", methods=["GET", "POST"])
@require(Permission.REFERRAL_SEND)
def record(referral_id: uuid.UUID):
    """Record the answer of a provider without an account, on its behalf."""
    referral, access = _load_referral(referral_id)
    if not case_policy.access_for(current_user, referral.case).can_edit:
        return _closed(referral.case)
    statuses = casework.next_statuses(referral)
    context = {"referral": referral, "provider_name": referral.to_org.name}
    if not referral.is_on_paper or not access.can_act:
        return render_template(RECORD, form=None, **context), 409
    if request.method == "GET":
        form = RecordResponseForm(
            formdata=None, statuses=statuses, lock_version=referral.lock_version
        )
        return render_template(RECORD, form=form, **context)
    form = RecordResponseForm(statuses=statuses)
    to = form.chosen_status()
    if not form.validate_on_submit() or to is None:
        if to is None:
            form.status.errors = [*form.status.errors, _("Choose the provider's answer.")]
        return render_template(RECORD, form=form, **context), 422
    try:
        lifecycle.provider_step(
            current_user,
            referral,
            to,
            form.lock_version.data,
            decline_reason=form.decline_reason.data if to == ReferralStatus.DECLINED else None,
            appointment_at=form.appointment_at(),
            feedback=form.feedback.data,
        )
    except StaleError:
        return _stale(form, RECORD, **context)
    except ReferralError as exc:
        return refused(form, exc, RECORD, **context)
    db.session.commit()
    flash(_("The provider's answer is recorded on its behalf."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.get("/<uuid:referral_id>/slip")
@require(Permission.REFERRAL_SEND)
def slip(referral_id: uuid.UUID):
    """The one-page slip for the provider (printed, handed over or carried by her)."""
    referral, _access = _load_referral(referral_id)
    if not casework.may_print_slip(referral):
        return render_template("referrals/caseworker/no_slip.html", referral=referral), 409
    view = casework.slip(current_user, referral)
    db.session.commit()
    body = render_template("referrals/slip.html", slip=view, items=sharing.ITEMS)
    return body, 200, {"Cache-Control": "no-store"}
