"""Adding and editing an organisation's premises."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.directory import policy, service
from referral.directory.forms import SiteForm
from referral.directory.models import Organisation
from referral.directory.views import EDIT, bp, form_status, save_form, saved_message, uuid_or_none


def _site_input(form: SiteForm) -> service.SiteInput:
    return service.SiteInput(
        name_ky=form.name_ky.data or "",
        name_ru=form.name_ru.data or "",
        name_en=form.name_en.data or "",
        location_id=uuid_or_none(form.location_id.data),
        address=form.address.data or "",
        postal_code=form.postal_code.data or "",
        is_confidential=form.is_confidential.data,
        is_active=form.is_active.data,
    )


def _save_site(org: Organisation, site):
    form = SiteForm(
        obj=site if request.method == "GET" else None, locations=service.location_tree()
    )
    if request.method == "GET" and site is not None:
        form.location_id.data = str(site.location_id) if site.location_id else ""

    def save():
        if site is None:
            service.create_site(org, _site_input(form))
            message = _("The premises were added.")
        else:
            message = saved_message(service.update_site(site, _site_input(form)))
        return message, url_for("directory.organisation", org_id=org.id)

    if (done := save_form(form, save)) is not None:
        return done
    shown = policy.visible_site(current_user, site) if site is not None else None
    return render_template(
        "directory/site_form.html", form=form, org=org, site=shown
    ), form_status()


@bp.route("/organisations/<org_id>/sites/new", methods=["GET", "POST"])
@require(*EDIT)
def site_new(org_id: str):
    org = policy.get_organisation_for(current_user, org_id, edit=True)
    return _save_site(org, None)


@bp.route("/sites/<site_id>/edit", methods=["GET", "POST"])
@require(*EDIT)
def site_edit(site_id: str):
    site = policy.get_site_for(current_user, site_id, edit=True)
    return _save_site(site.organisation, site)
