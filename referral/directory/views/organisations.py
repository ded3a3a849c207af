"""An organisation's page, and adding, editing and (de)activating organisations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.forms import EmptyForm
from referral.directory import policy, service
from referral.directory.forms import OrganisationForm
from referral.directory.hours import hours_display
from referral.directory.models import LegalStatus, Organisation, OrganisationType, Sector
from referral.directory.views import (
    EDIT,
    MANAGE,
    READ,
    bp,
    fill_phones,
    form_status,
    phones_of,
    save_form,
    saved_message,
    uuid_or_none,
)
from referral.extensions import db


@bp.get("/organisations/<org_id>")
@require(READ)
def organisation(org_id: str):
    org = policy.get_organisation_for(current_user, org_id)
    return render_template(
        "directory/organisation.html",
        org=org,
        can_edit=policy.can_edit_organisation(current_user, org),
        can_manage=policy.can_manage(current_user),
        sites=policy.visible_sites(current_user, org.sites),
        site_of=lambda site: policy.visible_site(current_user, site),
        hours_display=hours_display,
        is_stale=service.is_stale,
        form=EmptyForm(),
    )


def _organisation_form(org: Organisation | None) -> OrganisationForm:
    others = [o for o in service.list_organisations(active=None) if org is None or o.id != org.id]
    form = OrganisationForm(
        obj=org if request.method == "GET" else None,
        organisations=others,
        locations=service.location_tree(),
    )
    if request.method == "GET" and org is not None:
        form.org_type.data = org.org_type.value
        form.sector.data = org.sector.value if org.sector else ""
        form.legal_status.data = org.legal_status.value if org.legal_status else ""
        form.parent_id.data = str(org.parent_id) if org.parent_id else ""
        form.location_id.data = str(org.location_id) if org.location_id else ""
        fill_phones(form, org.phones)
    if org is not None and not policy.can_manage(current_user):
        for name in service.ADMIN_ONLY_ORGANISATION_FIELDS:
            delattr(form, name)
    return form


def _organisation_input(form: OrganisationForm, org: Organisation | None):
    def admin_value(name, convert):
        if getattr(form, name, None) is not None:
            return convert(getattr(form, name).data)
        return getattr(org, name)

    return service.OrganisationInput(
        name_ky=form.name_ky.data or "",
        name_ru=form.name_ru.data or "",
        name_en=form.name_en.data or "",
        description_ky=form.description_ky.data or "",
        description_ru=form.description_ru.data or "",
        description_en=form.description_en.data or "",
        org_type=admin_value("org_type", OrganisationType),
        sector=admin_value("sector", lambda v: Sector(v) if v else None),
        legal_status=admin_value("legal_status", lambda v: LegalStatus(v) if v else None),
        parent_id=admin_value("parent_id", uuid_or_none),
        location_id=uuid_or_none(form.location_id.data),
        website=form.website.data or None,
        email=form.email.data or None,
        phones=phones_of(form),
    )


def _organisation_url(org: Organisation) -> str:
    return url_for("directory.organisation", org_id=org.id)


@bp.route("/organisations/new", methods=["GET", "POST"])
@require(MANAGE)
def organisation_new():
    form = _organisation_form(None)

    def create():
        org = service.create_organisation(_organisation_input(form, None))
        return _("The organisation was added."), _organisation_url(org)

    if (done := save_form(form, create)) is not None:
        return done
    form.offer_blank_phones()
    return render_template("directory/organisation_form.html", form=form, org=None), form_status()


@bp.route("/organisations/<org_id>/edit", methods=["GET", "POST"])
@require(*EDIT)
def organisation_edit(org_id: str):
    org = policy.get_organisation_for(current_user, org_id, edit=True)
    form = _organisation_form(org)

    def update():
        changed = service.update_organisation(org, _organisation_input(form, org))
        return saved_message(changed), _organisation_url(org)

    if (done := save_form(form, update)) is not None:
        return done
    form.offer_blank_phones()
    return render_template("directory/organisation_form.html", form=form, org=org), form_status()


def _set_org_active(org_id: str, active: bool):
    org = policy.get_organisation_for(current_user, org_id, edit=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.set_organisation_active(org, active)
    db.session.commit()
    flash(
        _("The organisation is active again.")
        if active
        else _("The organisation is deactivated: it is hidden from the public finder."),
        "success",
    )
    return redirect(_organisation_url(org))


@bp.post("/organisations/<org_id>/deactivate")
@require(MANAGE)
def organisation_deactivate(org_id: str):
    return _set_org_active(org_id, False)


@bp.post("/organisations/<org_id>/activate")
@require(MANAGE)
def organisation_activate(org_id: str):
    return _set_org_active(org_id, True)
