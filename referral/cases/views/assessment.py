"""Assessment screens: the incidents, risk and needs sections of the case page (with the
medical-window banner on top), record and edit an incident or a perpetrator, record a
risk or needs (re)assessment. Ids in URLs only; nothing the survivor said."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases.forms.assessment import (
    EditIncidentForm,
    EditPerpetratorForm,
    IncidentForm,
    NeedsForm,
    PerpetratorForm,
    RiskForm,
)
from referral.cases.models import Incident, Perpetrator
from referral.cases.sections import case_section
from referral.cases.service import CaseError, StaleError, assessment, incidents, perpetrators, risk
from referral.cases.service.common import today
from referral.cases.service.intake import RESIDENCE_LEVELS
from referral.cases.service.timeline import event_label
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
from referral.directory.models import Location
from referral.extensions import db

INCIDENT_FORM = "cases/assessment/incident_form.html"
PERPETRATOR_FORM = "cases/assessment/perpetrator_form.html"
RISK_FORM = "cases/assessment/risk_form.html"
NEEDS_FORM = "cases/assessment/needs_form.html"

event_label("incident_recorded", _l("Incident recorded"))
event_label("incident_updated", _l("Incident changed"))
event_label("perpetrator_recorded", _l("Perpetrator recorded"))
event_label("perpetrator_updated", _l("Perpetrator changed"))
event_label("risk_assessed", _l("Risk assessed"))
event_label("needs_assessed", _l("Needs assessed"))


# --- case-page sections -----------------------------------------------------------------


@case_section(200, "cases/assessment/_incidents.html")
def incidents_section(user, case, access) -> dict:
    views = incidents.read_incidents(user, case)
    return {
        "case_id": case.id,
        "incidents": views,
        "open_windows": [v for v in views if v.windows_open],
        "can_edit": access.can_edit,
    }


@case_section(250, "cases/assessment/_risk.html")
def risk_section(user, case, access) -> dict:
    current, earlier = risk.read_risk(user, case)
    return {"case_id": case.id, "current": current, "earlier": earlier, "can_edit": access.can_edit}


@case_section(280, "cases/assessment/_needs.html")
def needs_section(user, case, access) -> dict:
    current, earlier = risk.read_needs(user, case)
    return {"case_id": case.id, "current": current, "earlier": earlier, "can_edit": access.can_edit}


# --- helpers ----------------------------------------------------------------------------


def _editable(case_id: uuid.UUID):
    """(case, None) when the user may change the case, else (case, the refusal page)."""
    case, access = load_case(case_id)
    if case.is_erased:
        return case, erased_page(case)
    if not access.can_edit:
        return case, closed_page(case)
    return case, None


def _rayon_choices() -> list[tuple[str, str]]:
    locations = db.session.execute(
        select(Location).where(Location.level.in_(RESIDENCE_LEVELS))
    ).scalars()
    named = sorted(
        (
            (str(loc.id), f"{loc.parent.name} — {loc.name}" if loc.parent else loc.name)
            for loc in locations
        ),
        key=lambda pair: pair[1],
    )
    return [("", _("— choose —")), *named]


def _back(case, anchor: str):
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=anchor))


# --- incidents --------------------------------------------------------------------------


@bp.route("/<uuid:case_id>/incidents/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def incident_new(case_id: uuid.UUID):
    case, refusal = _editable(case_id)
    if refusal:
        return refusal
    if request.method == "GET":
        form = IncidentForm(data={"report_date": today()})
    else:
        form = IncidentForm()
    form.location_id.choices = _rayon_choices()
    if form.validate_on_submit():
        try:
            incidents.add_incident(current_user, case, form.to_input())
        except CaseError as exc:
            return refused(form, exc, INCIDENT_FORM, case=case, incident=None)
        db.session.commit()
        flash(_("Incident recorded."), "success")
        return _back(case, "incidents")
    return render_template(INCIDENT_FORM, form=form, case=case, incident=None), status()


@bp.route("/<uuid:case_id>/incidents/<uuid:incident_id>/edit", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def incident_edit(case_id: uuid.UUID, incident_id: uuid.UUID):
    case, refusal = _editable(case_id)
    if refusal:
        return refusal
    incident = load_child(Incident, case, incident_id)
    context = {"case": case, "incident": incident}
    if request.method == "GET":
        form = EditIncidentForm(data=incidents.incident_values(current_user, case, incident))
        db.session.commit()  # the read of the narrative is audited
    else:
        form = EditIncidentForm()
    form.location_id.choices = _rayon_choices()
    if form.validate_on_submit():
        try:
            incidents.update_incident(
                current_user, case, incident, form.to_input(), form.lock_version.data
            )
        except CaseError as exc:
            return refused(form, exc, INCIDENT_FORM, **context)
        except StaleError as exc:
            response = stale(form, exc, INCIDENT_FORM, **context)
            assessment.audit_stale_read(case, incidents.INCIDENT_UNITS, incident=incident_id)
            db.session.commit()
            return response
        db.session.commit()
        flash(_("Saved."), "success")
        return _back(case, "incidents")
    return render_template(INCIDENT_FORM, form=form, **context), status()


# --- perpetrators -----------------------------------------------------------------------


@bp.route("/<uuid:case_id>/incidents/<uuid:incident_id>/perpetrators/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def perpetrator_new(case_id: uuid.UUID, incident_id: uuid.UUID):
    case, refusal = _editable(case_id)
    if refusal:
        return refusal
    incident = load_child(Incident, case, incident_id)
    form = PerpetratorForm()
    context = {"case": case, "incident": incident, "perpetrator": None}
    if form.validate_on_submit():
        try:
            perpetrators.add_perpetrator(current_user, case, incident, form.to_input())
        except CaseError as exc:
            return refused(form, exc, PERPETRATOR_FORM, **context)
        db.session.commit()
        flash(_("Perpetrator recorded."), "success")
        return _back(case, f"incident-{incident.id}")
    return render_template(PERPETRATOR_FORM, form=form, **context), status()


@bp.route("/<uuid:case_id>/perpetrators/<uuid:perpetrator_id>/edit", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def perpetrator_edit(case_id: uuid.UUID, perpetrator_id: uuid.UUID):
    case, refusal = _editable(case_id)
    if refusal:
        return refusal
    perpetrator = load_child(Perpetrator, case, perpetrator_id)
    context = {"case": case, "incident": perpetrator.incident, "perpetrator": perpetrator}
    if request.method == "GET":
        values = perpetrators.perpetrator_values(current_user, case, perpetrator)
        db.session.commit()  # the read of the name is audited
        form = EditPerpetratorForm(data=values)
    else:
        form = EditPerpetratorForm()
    if form.validate_on_submit():
        try:
            perpetrators.update_perpetrator(
                current_user, case, perpetrator, form.to_input(), form.lock_version.data
            )
        except CaseError as exc:
            return refused(form, exc, PERPETRATOR_FORM, **context)
        except StaleError as exc:
            response = stale(form, exc, PERPETRATOR_FORM, **context)
            units = perpetrators.PERPETRATOR_UNITS
            assessment.audit_stale_read(case, units, perpetrator=perpetrator_id)
            db.session.commit()
            return response
        db.session.commit()
        flash(_("Saved."), "success")
        return _back(case, f"incident-{perpetrator.incident_id}")
    return render_template(PERPETRATOR_FORM, form=form, **context), status()


# --- risk and needs ---------------------------------------------------------------------


@bp.route("/<uuid:case_id>/risk/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def risk_new(case_id: uuid.UUID):
    """A (re)assessment starts from the one in force, so unchanged answers stay."""
    case, refusal = _editable(case_id)
    if refusal:
        return refusal
    if request.method == "GET":
        latest = risk.latest_risk(case)
        values = risk.risk_values(current_user, case, latest)
        db.session.commit()  # the read of the safety plan is audited
        values["factors"] = [f.value for f in values.get("factors", ())]
        form = RiskForm(data={**values, "based_on": str(latest.id) if latest else ""})
    else:
        form = RiskForm()
    if form.validate_on_submit():
        try:
            risk.assess_risk(current_user, case, form.to_input(), form.based_on_id)
        except CaseError as exc:
            return refused(form, exc, RISK_FORM, case=case)
        except StaleError as exc:
            response = stale(form, exc, RISK_FORM, case=case)
            assessment.audit_stale_read(case, risk.RISK_UNITS, risk=exc.current["based_on"])
            db.session.commit()
            return response
        db.session.commit()
        flash(_("Risk assessment recorded."), "success")
        return _back(case, "risk")
    return render_template(RISK_FORM, form=form, case=case), status()


@bp.route("/<uuid:case_id>/needs/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def needs_new(case_id: uuid.UUID):
    case, refusal = _editable(case_id)
    if refusal:
        return refusal
    if request.method == "GET":
        latest = risk.latest_needs(case)
        values = risk.needs_values(current_user, case, latest)
        db.session.commit()  # the read of the needs is audited
        form = NeedsForm(data={**values, "based_on": str(latest.id) if latest else ""})
    else:
        form = NeedsForm()
    if form.validate_on_submit():
        try:
            risk.assess_needs(current_user, case, form.to_input(), form.based_on_id)
        except CaseError as exc:
            return refused(form, exc, NEEDS_FORM, case=case)
        except StaleError as exc:
            response = stale(form, exc, NEEDS_FORM, case=case)
            assessment.audit_stale_read(case, risk.NEEDS_UNITS, needs=exc.current["based_on"])
            db.session.commit()
            return response
        db.session.commit()
        flash(_("Needs assessment recorded."), "success")
        return _back(case, "needs")
    return render_template(NEEDS_FORM, form=form, case=case), status()
