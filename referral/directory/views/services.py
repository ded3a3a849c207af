"""Adding and editing an organisation's services, and marking them verified."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.forms import EmptyForm
from referral.directory import policy, service
from referral.directory.forms import ServiceForm
from referral.directory.models import EligibleSex, Organisation, ServiceStatus, ServiceType
from referral.directory.views import (
    EDIT,
    bp,
    fill_phones,
    form_status,
    phones_of,
    save_form,
    saved_message,
)
from referral.extensions import db


def _service_form(org: Organisation, svc) -> ServiceForm:
    form = ServiceForm(
        obj=svc if request.method == "GET" else None,
        locations=service.location_tree(),
        # Premises as the policy shows them (an editor sees its own in full).
        sites=policy.visible_sites(current_user, org.sites),
        other_languages=[lang.code for lang in svc.languages] if svc is not None else (),
    )
    if request.method == "GET" and svc is not None:
        form.service_type.data = svc.service_type.value
        form.status.data = svc.status.value
        form.eligible_sex.data = svc.eligible_sex.value
        form.area_ids.data = [str(a.location_id) for a in svc.areas]
        form.language_codes.data = [lang.code for lang in svc.languages]
        form.site_ids.data = [str(s.site_id) for s in svc.at_sites]
        for rule in svc.schedules:
            form.hours_rows.append_entry(
                {
                    "days": rule.byday.split(","),
                    "opens_at": rule.opens_at,
                    "closes_at": rule.closes_at,
                }
            )
        fill_phones(form, svc.phones)
    return form


def _service_input(form: ServiceForm) -> service.ServiceInput:
    hours = form.hours_rules()
    return service.ServiceInput(
        service_type=ServiceType(form.service_type.data),
        name_ky=form.name_ky.data or "",
        name_ru=form.name_ru.data or "",
        name_en=form.name_en.data or "",
        description_ky=form.description_ky.data or "",
        description_ru=form.description_ru.data or "",
        description_en=form.description_en.data or "",
        status=ServiceStatus(form.status.data),
        eligible_sex=EligibleSex(form.eligible_sex.data),
        minimum_age=form.minimum_age.data,
        maximum_age=form.maximum_age.data,
        is_free=form.is_free.data,
        is_24h=form.is_24h.data,
        accepts_referrals=form.accepts_referrals.data,
        is_nationwide=form.is_nationwide.data,
        area_ids=[uuid.UUID(v) for v in form.area_ids.data or []],
        language_codes=list(form.language_codes.data or []),
        hours=hours,
        site_ids=[uuid.UUID(v) for v in form.site_ids.data or []],
        phones=phones_of(form),
    )


def _service_url(organisation_id, svc) -> str:
    """The service's entry on its organisation's page."""
    return url_for("directory.organisation", org_id=organisation_id) + f"#s-{svc.id}"


def _save_service(org: Organisation, svc):
    form = _service_form(org, svc)

    def save():
        data = _service_input(form)
        if svc is None:
            created = service.create_service(org, data)
            return _("The service was added."), _service_url(org.id, created)
        changed = service.update_service(svc, data)
        return saved_message(changed), _service_url(org.id, svc)

    if (done := save_form(form, save)) is not None:
        return done
    form.offer_blank_phones()
    form.offer_blank_hours()
    return render_template(
        "directory/service_form.html", form=form, org=org, svc=svc
    ), form_status()


@bp.route("/organisations/<org_id>/services/new", methods=["GET", "POST"])
@require(*EDIT)
def service_new(org_id: str):
    org = policy.get_organisation_for(current_user, org_id, edit=True)
    return _save_service(org, None)


@bp.route("/services/<service_id>/edit", methods=["GET", "POST"])
@require(*EDIT)
def service_edit(service_id: str):
    svc = policy.get_service_for(current_user, service_id, edit=True)
    return _save_service(svc.organisation, svc)


@bp.post("/services/<service_id>/verify")
@require(*EDIT)
def service_verify(service_id: str):
    svc = policy.get_service_for(current_user, service_id, edit=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.verify_service(svc, current_user)
    db.session.commit()
    flash(_("Marked as verified today."), "success")
    return redirect(_service_url(svc.organisation_id, svc))
