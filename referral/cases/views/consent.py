"""Consent screens: the consent section of the case page, record a consent (given or
refused), withdraw one. The consent kind in a URL is a code, never a value."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases.forms.consent import ConsentForm, WithdrawForm
from referral.cases.models import ConsentKind
from referral.cases.sections import case_section
from referral.cases.service import CaseError, StaleError
from referral.cases.service import consent as service
from referral.cases.views import bp
from referral.cases.views.common import (
    closed_page,
    erased_page,
    load_case,
    refused,
    stale,
    status,
)
from referral.extensions import db
from referral.rules import rules_too

KINDS = "any(services, release, reporting)"


@case_section(100, "cases/consent/_section.html")
def consent_section(user, case, access) -> dict:
    return {
        "case_id": case.id,
        "overview": service.consent_overview(user, case),
        "can_edit": access.can_edit,
    }


def _new_form(case, kind: ConsentKind | None) -> ConsentForm:
    """The blank form; a new release starts from the scope in force, so narrowing or
    widening it is one change."""
    data = {"lock_version": service.history_version(case), "kind": kind}
    if kind == ConsentKind.RELEASE:
        types, org_ids = service.release_scope(case)
        data |= {"service_types": types, "organisation_ids": [str(o) for o in org_ids]}
    return ConsentForm(data=data, providers=service.provider_choices())


def _kind_arg() -> ConsentKind | None:
    try:
        return ConsentKind(request.args.get("kind", ""))
    except ValueError:
        return None


@bp.route("/<uuid:case_id>/consent/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def consent_new(case_id: uuid.UUID):
    case, access = load_case(case_id)
    if case.is_erased:
        return erased_page(case)
    if not access.can_edit:
        return closed_page(case)
    context = {"case": case, "is_child": case.is_child}
    if request.method == "GET":
        form = _new_form(case, _kind_arg())
        return render_template("cases/consent/form.html", form=form, **context)
    form = ConsentForm(providers=service.provider_choices())
    if form.validate_on_submit():
        try:
            service.record_consent(current_user, case, form.to_input(), form.lock_version.data)
        except CaseError as exc:
            return refused(form, exc, "cases/consent/form.html", **context)
        except StaleError as exc:
            version = service.history_version(case)
            return stale(form, exc, "cases/consent/form.html", version=version, **context)
        db.session.commit()
        flash(_("Consent recorded."), "success")
        return redirect(url_for("cases.detail", case_id=case.id, _anchor="consent"))
    rules_too(form, lambda: service.check_consent(case, form.to_input()))
    return render_template("cases/consent/form.html", form=form, **context), status()


@bp.route(f"/<uuid:case_id>/consent/<{KINDS}:kind>/withdraw", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def consent_withdraw(case_id: uuid.UUID, kind: str):
    case, access = load_case(case_id)
    if case.is_erased:
        return erased_page(case)
    if not access.can_edit:
        return closed_page(case)
    consent_kind = ConsentKind(kind)
    form = WithdrawForm()
    context = {"case": case, "state": service.state_of(case, consent_kind)}
    if form.validate_on_submit():
        try:
            service.withdraw_consent(current_user, case, consent_kind, form.to_input())
        except CaseError as exc:
            return refused(form, exc, "cases/consent/withdraw.html", **context)
        except StaleError as exc:
            return stale(form, exc, "cases/consent/withdraw.html", **context)
        db.session.commit()
        flash(_("Consent withdrawn. It no longer covers anything."), "success")
        return redirect(url_for("cases.detail", case_id=case.id, _anchor="consent"))
    return render_template("cases/consent/withdraw.html", form=form, **context), status()
