"""The provider's screens: the inbox, the referral page (`provider_detail`, called by
`referrals.detail` for a provider) and the provider's steps: acknowledge, accept,
decline with a reason, schedule the appointment, service provided, complete, feedback
for the caseworker, own notes.

Every POST loads the referral through the referral policy (404 out of scope), calls one
service, commits, and redirects to the referral page; a refused step shows the page
again with the message (422), a step on a referral that changed meanwhile keeps what
was typed and shows the current state (409). Nothing identifying goes into a URL or a
flash message.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import DateField, TextAreaField, TimeField
from wtforms.validators import Length, Optional

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases.forms.common import EnumSelectField, LockVersionField
from referral.cases.service.common import StaleError
from referral.cases.timeutil import to_utc
from referral.crypto.grants import GrantError
from referral.extensions import db
from referral.forms import Form
from referral.referrals import policy
from referral.referrals.models import DeclineReason, Referral, ReferralStatus
from referral.referrals.service import inbox as inbox_service
from referral.referrals.service import lifecycle, shared
from referral.referrals.service.lifecycle import ReferralError
from referral.referrals.views import bp
from referral.rules import attach_errors

S = ReferralStatus
NO_AUTOFILL = {"autocomplete": "off"}
TEMPLATE = "referrals/provider/detail.html"


# --- forms (shape only; the lifecycle service decides) ----------------------------------


class StepForm(Form):
    lock_version = LockVersionField()


class DeclineForm(StepForm):
    decline_reason = EnumSelectField(_l("Why do you decline?"), enum=DeclineReason)
    message = TextAreaField(
        _l("A word for the crisis centre (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw=NO_AUTOFILL,
    )


class AppointmentForm(StepForm):
    appointment_date = DateField(_l("Date of the appointment"), validators=[Optional()])
    appointment_time = TimeField(_l("Time (Bishkek)"), validators=[Optional()])


class FeedbackForm(StepForm):
    service_given = TextAreaField(
        _l("Service given"), validators=[Optional(), Length(max=5000)], render_kw=NO_AUTOFILL
    )
    next_date = DateField(_l("Next appointment: date"), validators=[Optional()])
    next_time = TimeField(_l("Next appointment: time (Bishkek)"), validators=[Optional()])
    outcome = TextAreaField(
        _l("Outcome"), validators=[Optional(), Length(max=5000)], render_kw=NO_AUTOFILL
    )


class NotesForm(StepForm):
    notes = TextAreaField(
        _l("Your notes (only your organisation sees them)"),
        validators=[Optional(), Length(max=10_000)],
        render_kw=NO_AUTOFILL,
    )


FORMS = {
    "step": StepForm,
    "decline": DeclineForm,
    "appointment": AppointmentForm,
    "feedback": FeedbackForm,
    "notes": NotesForm,
}
# The provider's steps on the page: the endpoint and the button of each.
STEP_ACTIONS = {
    S.ACKNOWLEDGED: ("referrals.provider_acknowledge", _l("Confirm that you received it")),
    S.ACCEPTED: ("referrals.provider_accept", _l("Accept the referral")),
    S.SERVICE_PROVIDED: ("referrals.provider_provided", _l("Service provided")),
    S.COMPLETED: ("referrals.provider_complete", _l("Complete the referral")),
}
# The service's field names where the form has other ones.
FIELD_OF = {"appointment_at": "appointment_date"}


def _blank_forms(view: shared.SharedView) -> dict:
    forms = {key: cls(formdata=None) for key, cls in FORMS.items()}
    forms["notes"].notes.data = view.provider_notes
    return forms


# --- loading and answering --------------------------------------------------------------


def _load(referral_id: uuid.UUID) -> tuple[Referral, policy.ReferralAccess]:
    """The referral addressed to the user's organisation; 404 for anything else."""
    referral = policy.get_referral_for(current_user, referral_id)
    if referral is None:
        abort(404)
    access = policy.access_for(current_user, referral)
    if not access.as_provider or referral.case.is_erased:
        abort(404)
    return referral, access


def provider_detail(referral: Referral, access: policy.ReferralAccess, *, forms=None, **ctx):
    """The provider's page of one referral (for `referrals.detail`): the shared view,
    computed once, and the forms of the steps open now. Commits the read's audit."""
    if not access.as_provider:
        abort(404)
    view = shared.shared_view(current_user, referral)
    db.session.commit()
    status_code = ctx.pop("status_code", 200)
    shown = _blank_forms(view)
    shown.update(forms or {})
    return render_template(
        TEMPLATE, view=view, forms=shown, S=S, actions=STEP_ACTIONS, **ctx
    ), status_code


def _again(referral_id: uuid.UUID, key: str, form, status_code: int, stale=None):
    """Show the page again after a refusal: nothing of the refused step is kept, what
    was typed is (in `form`), the view is the current one."""
    db.session.rollback()
    inbox_service.wait_for_other_writer(referral_id)
    referral, access = _load(referral_id)
    return provider_detail(
        referral, access, forms={key: form}, stale=stale, submitted=key, status_code=status_code
    )


def _refused(referral_id, key, form, error: ReferralError):
    remapped = ReferralError(errors=[(FIELD_OF.get(f, f), m) for f, m in error.errors])
    attach_errors(form, remapped)
    return _again(referral_id, key, form, 422)


def _done(referral: Referral, message):
    flash(message, "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


def _step(referral_id: uuid.UUID, to: ReferralStatus, key: str = "step", **kwargs):
    referral, _access = _load(referral_id)
    form = FORMS[key]()
    if not form.validate_on_submit():
        return _again(referral_id, key, form, 422)
    if key == "decline":
        kwargs = {"decline_reason": form.decline_reason.data, "feedback": form.message.data}
    if key == "appointment":
        day, moment = form.appointment_date.data, form.appointment_time.data
        kwargs = {"appointment_at": to_utc(day, moment) if day and moment else None}
    try:
        lifecycle.provider_step(current_user, referral, to, form.lock_version.data, **kwargs)
        db.session.commit()
    except ReferralError as error:
        return _refused(referral_id, key, form, error)
    except (StaleError, StaleDataError):
        return _again(referral_id, key, form, 409, stale=StaleError([], {}))
    except GrantError:
        db.session.rollback()
        abort(404)
    return _done(referral, _("The referral is now: %(status)s.", status=to.label))


@bp.get("/inbox")
@require(Permission.REFERRAL_INBOX)
def inbox():
    wanted = inbox_service.parse_filter(request.args.get("status"))
    page = inbox_service.list_inbox(current_user, wanted, request.args.get("after"))
    counts = inbox_service.inbox_counts(current_user)
    db.session.commit()
    filter_args = {"status": getattr(wanted, "value", wanted)} if wanted else {}
    return render_template(
        "referrals/provider/inbox.html",
        page=page,
        counts=counts,
        wanted=wanted,
        statuses=inbox_service.INBOX_STATUSES,
        overdue=inbox_service.OVERDUE,
        filter_args=filter_args,
    )


@bp.post("/<uuid:referral_id>/provider/acknowledge")
@require(Permission.REFERRAL_INBOX)
def provider_acknowledge(referral_id: uuid.UUID):
    return _step(referral_id, S.ACKNOWLEDGED)


@bp.post("/<uuid:referral_id>/provider/accept")
@require(Permission.REFERRAL_INBOX)
def provider_accept(referral_id: uuid.UUID):
    return _step(referral_id, S.ACCEPTED)


@bp.post("/<uuid:referral_id>/provider/decline")
@require(Permission.REFERRAL_INBOX)
def provider_decline(referral_id: uuid.UUID):
    return _step(referral_id, S.DECLINED, "decline")


@bp.post("/<uuid:referral_id>/provider/appointment")
@require(Permission.REFERRAL_INBOX)
def provider_appointment(referral_id: uuid.UUID):
    return _step(referral_id, S.APPOINTMENT_SCHEDULED, "appointment")


@bp.post("/<uuid:referral_id>/provider/provided")
@require(Permission.REFERRAL_INBOX)
def provider_provided(referral_id: uuid.UUID):
    return _step(referral_id, S.SERVICE_PROVIDED)


@bp.post("/<uuid:referral_id>/provider/complete")
@require(Permission.REFERRAL_INBOX)
def provider_complete(referral_id: uuid.UUID):
    return _step(referral_id, S.COMPLETED)


@bp.post("/<uuid:referral_id>/provider/feedback")
@require(Permission.REFERRAL_INBOX)
def provider_feedback(referral_id: uuid.UUID):
    referral, _access = _load(referral_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _again(referral_id, "feedback", form, 422)
    data = inbox_service.FeedbackInput(
        service_given=form.service_given.data,
        next_date=form.next_date.data,
        next_time=form.next_time.data,
        outcome=form.outcome.data,
    )
    try:
        inbox_service.give_feedback(current_user, referral, data, form.lock_version.data)
        db.session.commit()
    except ReferralError as error:
        return _refused(referral_id, "feedback", form, error)
    except (StaleError, StaleDataError):
        return _again(referral_id, "feedback", form, 409, stale=StaleError([], {}))
    return _done(referral, _("Your feedback was sent to the crisis centre."))


@bp.post("/<uuid:referral_id>/provider/notes")
@require(Permission.REFERRAL_INBOX)
def provider_notes(referral_id: uuid.UUID):
    referral, _access = _load(referral_id)
    form = NotesForm()
    if not form.validate_on_submit():
        return _again(referral_id, "notes", form, 422)
    try:
        inbox_service.write_notes(current_user, referral, form.notes.data, form.lock_version.data)
        db.session.commit()
    except StaleError as error:
        return _again(referral_id, "notes", form, 409, stale=error)
    except StaleDataError:
        return _again(referral_id, "notes", form, 409, stale=StaleError([], {}))
    return _done(referral, _("Your notes were saved."))


@bp.app_context_processor
def _inbox_count():
    """`referral_inbox_count()` for the header: computed once per page, for providers
    only, when the navigation asks for it."""

    def count():
        if "_referral_inbox_count" not in g:
            g._referral_inbox_count = None
            if current_user.is_authenticated and current_user.can(Permission.REFERRAL_INBOX):
                try:
                    g._referral_inbox_count = inbox_service.waiting_count(current_user)
                except SQLAlchemyError:  # an error page must render without the number
                    db.session.rollback()
        return g._referral_inbox_count

    return {"referral_inbox_count": count}
