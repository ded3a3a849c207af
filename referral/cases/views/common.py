"""The one loader convention and the refusal helpers every case screen uses."""

from __future__ import annotations

import uuid

from flask import abort, render_template, request
from flask_login import current_user

from referral.cases import policy
from referral.cases.models import Case
from referral.cases.service.common import StaleError, get_child
from referral.extensions import db
from referral.rules import refused  # noqa: F401  (re-exported for the step views)


def load_case(case_id: uuid.UUID) -> tuple[Case, policy.CaseAccess]:
    """The case in the user's scope and the access decision for it; 404 otherwise."""
    case = policy.get_case_for(current_user, case_id)
    if case is None:
        abort(404)
    return case, policy.access_for(current_user, case)


def load_child(model, case: Case, record_id: uuid.UUID):
    record = get_child(model, case, record_id)
    if record is None:
        abort(404)
    return record


def status() -> int:
    """200 for a GET; 422 when a submitted form is shown again because it was refused."""
    return 422 if request.method == "POST" else 200


def erased_page(case: Case):
    return render_template("cases/erased.html", case=case), 410


def closed_page(case: Case):
    return render_template("cases/closed.html", case=case), 409


def stale(form, error: StaleError, template: str, **context):
    """Someone saved meanwhile: keep what the user typed, show what changed, and give
    the form the new version so that a second save is deliberate (409)."""
    db.session.rollback()
    return render_template(template, form=form, stale=error, **context), 409
