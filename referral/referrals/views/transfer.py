"""Transferring a case to another crisis centre: the sending page (a caseworker or
supervisor of the case), and the receiving centre's supervisor's list of incoming
transfers, the transfer page (what the transfer shares, nothing more), accept with an
owner, decline with a reason. The rules are `service.transfer`'s and the lifecycle's;
who sees what is `policy`'s.

Every endpoint answers 404 out of scope; the receiving side is the supervisors' (a
caseworker of the receiving centre gets 404, as for a transfer that does not exist).
On accept the case moves (the service does it) and the page goes to the case, which
the sending centre can no longer open.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import TextAreaField

from referral.auth.access import require
from referral.auth.models import User
from referral.auth.permissions import Permission, Role
from referral.cases import policy as case_policy
from referral.cases.forms.common import (
    CHOOSE,
    EnumSelectField,
    LockVersionField,
    UUIDSelectField,
    as_choices,
)
from referral.cases.service.assignment import staff_of
from referral.cases.service.common import CaseClosedError, StaleError
from referral.crypto.grants import GrantError
from referral.directory.models import Organisation, OrganisationType, ServiceType
from referral.extensions import db
from referral.forms import Form
from referral.home.service import Panel, register_panel
from referral.referrals import policy, sharing
from referral.referrals.forms import TEXT, ItemsField
from referral.referrals.models import DeclineReason, Referral, ReferralStatus, Urgency
from referral.referrals.service import inbox as inbox_service
from referral.referrals.service import lifecycle, proposals, shared, transfer
from referral.referrals.service.lifecycle import ReferralError, ReferralInput
from referral.referrals.views import bp
from referral.rules import RuleError, attach_errors, refused

S = ReferralStatus
SEND = "referrals/transfer/send.html"
LIST = "referrals/transfer/list.html"
DETAIL = "referrals/transfer/detail.html"
DONE = "referrals/transfer/done.html"
LIST_LIMIT = 200
PANEL_CAP = 99
PROFILE = sharing.profile_for(OrganisationType.CRISIS_CENTRE)


# --- forms (shape only; the services decide) ---------------------------------------------


class TransferForm(Form):
    to_org_id = UUIDSelectField(_l("Receiving crisis centre"))
    urgency = EnumSelectField(_l("Urgency"), enum=Urgency)
    shared_items = ItemsField(_l("What the receiving centre is told about her before it accepts"))
    summary = TextAreaField(_l("Summary for the receiving centre"), render_kw=TEXT)
    override_reason = TextAreaField(
        _l("Transfer although consent does not cover it: the reason"), render_kw=TEXT
    )

    def __init__(self, *args, centres=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.to_org_id.choices = [("", CHOOSE), *((str(o.id), o.name) for o in centres)]
        self.shared_items.choices = as_choices(
            [(code, sharing.ITEMS[code].label) for code in PROFILE if code != "summary"]
        )

    def too_long(self) -> list[tuple[str, object]]:
        problems = []
        if len(self.summary.data or "") > proposals.SUMMARY_MAX:
            problems.append(
                ("summary", _l("Keep the summary under %(n)s characters.", n=proposals.SUMMARY_MAX))
            )
        if len(self.override_reason.data or "") > proposals.OVERRIDE_MAX:
            problems.append(
                (
                    "override_reason",
                    _l("Keep the reason under %(n)s characters.", n=proposals.OVERRIDE_MAX),
                )
            )
        return problems

    def to_input(self) -> ReferralInput:
        offered = {c.value for c in self.shared_items.choices}
        return ReferralInput(
            to_org_id=self.to_org_id.data,
            service_type=ServiceType.CRISIS_CENTRE,
            urgency=self.urgency.data,
            shared_items=tuple(c for c in self.shared_items.data or () if c in offered),
            summary=self.summary.data,
            override_reason=self.override_reason.data,
        )


class AcceptForm(Form):
    lock_version = LockVersionField()
    owner_id = UUIDSelectField(_l("Who takes the case over"))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = [(str(u.id), u.full_name or u.username) for u in staff]


class DeclineForm(Form):
    lock_version = LockVersionField()
    decline_reason = EnumSelectField(_l("Why do you decline?"), enum=DeclineReason)
    message = TextAreaField(
        _l("A word for the sending centre (optional)"), render_kw={"autocomplete": "off"}
    )


# --- sending -----------------------------------------------------------------------------


def _receiving_centres(case) -> list[Organisation]:
    return list(
        db.session.execute(
            select(Organisation)
            .where(
                Organisation.org_type == OrganisationType.CRISIS_CENTRE,
                Organisation.is_active.is_(True),
                Organisation.id != case.organisation_id,
            )
            .order_by(Organisation.name_en, Organisation.id)
        ).scalars()
    )


def _release(case, to_org_id):
    """What consent says, for the notice above the form. Before a centre is chosen, a
    consent that names other providers is not yet a refusal: the centre may be named."""
    decision = proposals.release_for(case, ServiceType.CRISIS_CENTRE, to_org_id)
    if to_org_id is None and decision.reason_code == "provider_not_named":
        return None
    return decision


@bp.route("/cases/<uuid:case_id>/transfer", methods=["GET", "POST"])
@require(Permission.REFERRAL_SEND)
def transfer_new(case_id: uuid.UUID):
    case = case_policy.get_case_for(current_user, case_id)
    if case is None:
        abort(404)
    if case.is_erased:
        return render_template("cases/erased.html", case=case), 410
    if not case_policy.access_for(current_user, case).can_edit:
        return render_template("cases/closed.html", case=case), 409
    centres = _receiving_centres(case)
    if request.method == "GET":
        form = TransferForm(formdata=None, centres=centres)
        form.shared_items.data = [c for c in PROFILE if c != "summary"]
    else:
        form = TransferForm(centres=centres)
    context = {
        "case": case,
        "service_label": ServiceType.CRISIS_CENTRE.label,
        "can_override": current_user.can(Permission.REFERRAL_OVERRIDE),
        "release": _release(case, form.to_org_id.data),
    }
    if request.method == "GET":
        db.session.commit()
        return render_template(SEND, form=form, **context)
    if not form.validate_on_submit():
        db.session.rollback()
        return render_template(SEND, form=form, **context), 422
    too_long = form.too_long()
    try:
        referral = transfer.send_transfer(current_user, case, form.to_input())
    except ReferralError as exc:
        return refused(form, ReferralError(errors=[*too_long, *exc.errors]), SEND, **context)
    if too_long:
        return refused(form, ReferralError(errors=too_long), SEND, **context)
    db.session.commit()
    flash(
        _(
            "Transfer sent. The receiving centre's supervisors see it; the case moves when one "
            "of them accepts."
        ),
        "success",
    )
    return redirect(url_for("referrals.detail", referral_id=referral.id))


# --- the receiving centre ----------------------------------------------------------------


def _require_supervisor() -> None:
    if current_user.role != Role.SUPERVISOR:
        abort(404)


def _open_incoming(user: User):
    return policy.incoming_transfers(user).where(Referral.status.in_(transfer.ACCEPTABLE))


@bp.get("/transfers")
@require(Permission.CASE_READ)
def transfers():
    _require_supervisor()
    waiting = sql_case((Referral.status.in_(transfer.ACCEPTABLE), 0), else_=1)
    rows = list(
        db.session.execute(
            policy.incoming_transfers(current_user)
            .order_by(waiting, Referral.sent_at.desc(), Referral.id)
            .limit(LIST_LIMIT)
        ).scalars()
    )
    page = render_template(
        LIST,
        rows=rows,
        is_overdue=lifecycle.is_overdue,
        acceptable=transfer.ACCEPTABLE,
        limit=LIST_LIMIT,
    )
    db.session.commit()
    return page


def _load_transfer(referral_id: uuid.UUID):
    """A transfer addressed to the supervisor's centre, of a case not theirs yet; a
    transfer they already accepted comes back as `done` (the case is theirs now). 404
    for anything else."""
    _require_supervisor()
    referral = policy.get_referral_for(current_user, referral_id)
    if referral is None or not policy.is_transfer(referral):
        abort(404)
    access = policy.access_for(current_user, referral)
    if access.as_provider and not referral.case.is_erased:
        return referral, access, False
    done = (
        access.as_case_worker
        and referral.to_org_id == current_user.organisation_id
        and referral.case.organisation_id == current_user.organisation_id
    )
    if not done:
        abort(404)
    return referral, access, True


def _done_page(referral, status_code=200):
    return render_template(DONE, referral=referral, case=referral.case), status_code


def _page(referral, *, accept=None, decline=None, submitted=None, stale=None, status_code=200):
    """The transfer page: the shared view (computed and audited once), the accept form
    and the decline form, either carrying what was posted."""
    staff = staff_of(current_user.organisation_id)
    view = shared.shared_view(current_user, referral)
    db.session.commit()
    if accept is None:
        accept = AcceptForm(formdata=None, staff=staff)
        accept.owner_id.data = current_user.id
    if decline is None:
        decline = DeclineForm(formdata=None)
    return render_template(
        DETAIL,
        view=view,
        accept=accept,
        decline=decline,
        can_accept=referral.status in transfer.ACCEPTABLE and view.is_active,
        can_decline=referral.status in transfer.ACCEPTABLE,
        submitted=submitted,
        stale=stale,
    ), status_code


def _again(referral_id, status_code, **forms):
    """Show the page again after a refusal: nothing of the refused step is kept, what
    was typed is, and the page is the transfer as it is now."""
    db.session.rollback()
    inbox_service.wait_for_other_writer(referral_id)
    referral, _access, done = _load_transfer(referral_id)
    if done:
        return _done_page(referral, 409)
    return _page(referral, status_code=status_code, **forms)


@bp.get("/transfers/<uuid:referral_id>")
@require(Permission.CASE_READ)
def transfer_detail(referral_id: uuid.UUID):
    referral, _access, done = _load_transfer(referral_id)
    if done:
        return _done_page(referral)
    return _page(referral)


@bp.post("/transfers/<uuid:referral_id>/accept")
@require(Permission.CASE_EDIT)
def transfer_accept(referral_id: uuid.UUID):
    referral, _access, done = _load_transfer(referral_id)
    if done:
        return _done_page(referral, 409)
    form = AcceptForm(staff=staff_of(current_user.organisation_id))
    if not form.validate_on_submit():
        return _again(referral_id, 422, accept=form, submitted="accept")
    try:
        case = transfer.accept_transfer(
            current_user, referral, form.lock_version.data, owner_id=form.owner_id.data
        )
        db.session.commit()
    except (StaleError, StaleDataError):
        return _again(referral_id, 409, accept=form, submitted="accept", stale=StaleError([], {}))
    except CaseClosedError as exc:
        attach_errors(form, exc)
        return _again(referral_id, 409, accept=form, submitted="accept")
    except RuleError as exc:
        attach_errors(form, exc)
        return _again(referral_id, 422, accept=form, submitted="accept")
    except GrantError:
        db.session.rollback()
        abort(404)
    flash(_("The case is now your centre's. Its former centre no longer sees it."), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.post("/transfers/<uuid:referral_id>/decline")
@require(Permission.CASE_EDIT)
def transfer_decline(referral_id: uuid.UUID):
    referral, _access, done = _load_transfer(referral_id)
    if done:
        return _done_page(referral, 409)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _again(referral_id, 422, decline=form, submitted="decline")
    try:
        lifecycle.provider_step(
            current_user,
            referral,
            S.DECLINED,
            form.lock_version.data,
            decline_reason=form.decline_reason.data,
            feedback=form.message.data,
        )
        db.session.commit()
    except (StaleError, StaleDataError):
        return _again(referral_id, 409, decline=form, submitted="decline", stale=StaleError([], {}))
    except RuleError as exc:
        attach_errors(form, exc)
        return _again(referral_id, 422, decline=form, submitted="decline")
    except GrantError:
        db.session.rollback()
        abort(404)
    flash(_("Transfer declined. The sending centre sees your reason."), "success")
    return redirect(url_for("referrals.transfers"))


@register_panel(13, Permission.CASE_READ)
def transfers_panel(user: User) -> Panel | None:
    """For a supervisor whose centre has transfers waiting: how many (capped), a link."""
    if user.role != Role.SUPERVISOR:
        return None
    count = db.session.scalar(
        select(func.count()).select_from(_open_incoming(user).limit(PANEL_CAP + 1).subquery())
    )
    if not count:
        return None
    shown = f"{PANEL_CAP}+" if count > PANEL_CAP else count
    return Panel(
        title=_("Transfers from other crisis centres"),
        items=[
            (_("Waiting for your answer"), shown, url_for("referrals.transfers")),
        ],
    )
