"""Staff screens of the provider directory: lists, entries, and their editing."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.forms import EmptyForm
from referral.auth.permissions import Permission
from referral.directory import policy, service
from referral.directory.forms import LocationForm, OrganisationForm, ServiceForm, SiteForm
from referral.directory.hours import HoursError, hours_display, hours_text, parse_hours
from referral.directory.models import (
    LocationLevel,
    Organisation,
    OrganisationType,
    PhoneType,
    ServiceType,
)
from referral.extensions import db

bp = Blueprint("directory", __name__, url_prefix="/directory")

READ = Permission.DIRECTORY_READ
EDIT = (Permission.DIRECTORY_MANAGE, Permission.DIRECTORY_EDIT_OWN)
MANAGE = Permission.DIRECTORY_MANAGE


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _enum_or_none(enum_cls, value):
    return enum_cls(value) if value in enum_cls._value2member_map_ else None


def _show_error(form, exc: service.DirectoryError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*list(target.errors or []), exc.message]
    else:
        flash(exc.message, "error")


def _phones(form) -> list[service.PhoneInput]:
    return [
        service.PhoneInput(
            number=entry.form.number.data,
            phone_type=PhoneType(entry.form.phone_type.data),
            description=entry.form.description.data or "",
        )
        for entry in form.phones.entries
        if entry.form.number.data
    ]


def _fill_phones(form, phones) -> None:
    while form.phones.entries:
        form.phones.pop_entry()
    for phone in phones:
        form.phones.append_entry(
            {
                "number": phone.number,
                "phone_type": phone.phone_type.value,
                "description": phone.description,
            }
        )


# --- lists ---------------------------------------------------------------------------


@bp.get("/")
@require(READ)
def index():
    args = request.args
    filters = {
        "q": args.get("q", "")[:100],
        "location": args.get("location", ""),
        "type": args.get("type", ""),
        "status": args.get("status", "active"),
        "stale": args.get("stale") == "1",
    }
    services = service.list_services(
        search=filters["q"],
        location_id=_uuid_or_none(filters["location"]),
        service_type=_enum_or_none(ServiceType, filters["type"]),
        active={"active": True, "inactive": False}.get(filters["status"]),
        stale=filters["stale"],
    )
    return render_template(
        "directory/index.html",
        services=services,
        filters=filters,
        tree=service.location_tree(),
        service_types=list(ServiceType),
        is_stale=service.is_stale,
    )


@bp.get("/organisations")
@require(READ)
def organisations():
    args = request.args
    filters = {
        "q": args.get("q", "")[:100],
        "location": args.get("location", ""),
        "type": args.get("type", ""),
        "status": args.get("status", "active"),
    }
    orgs = service.list_organisations(
        search=filters["q"],
        location_id=_uuid_or_none(filters["location"]),
        org_type=_enum_or_none(OrganisationType, filters["type"]),
        active={"active": True, "inactive": False}.get(filters["status"]),
    )
    return render_template(
        "directory/organisations.html",
        organisations=orgs,
        filters=filters,
        tree=service.location_tree(),
        org_types=list(OrganisationType),
    )


@bp.get("/organisations/<org_id>")
@require(READ)
def organisation(org_id: str):
    org = policy.get_organisation_for(current_user, org_id)
    return render_template(
        "directory/organisation.html",
        org=org,
        can_edit=policy.can_edit_organisation(current_user, org),
        can_manage=policy.can_manage(current_user),
        address_of=lambda site: policy.visible_address(current_user, site),
        hours_display=hours_display,
        is_stale=service.is_stale,
        form=EmptyForm(),
    )


# --- organisations -------------------------------------------------------------------


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
        _fill_phones(form, org.phones)
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
        sector=admin_value("sector", lambda v: service.Sector(v) if v else None),
        legal_status=admin_value("legal_status", lambda v: service.LegalStatus(v) if v else None),
        parent_id=admin_value("parent_id", _uuid_or_none),
        location_id=_uuid_or_none(form.location_id.data),
        website=form.website.data or None,
        email=form.email.data or None,
        phones=_phones(form),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@require(MANAGE)
def organisation_new():
    form = _organisation_form(None)
    if form.validate_on_submit():
        try:
            org = service.create_organisation(_organisation_input(form, None))
        except service.DirectoryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The organisation was added."), "success")
            return redirect(url_for("directory.organisation", org_id=org.id))
    form.offer_blank_phones()
    status = 422 if request.method == "POST" else 200
    return render_template("directory/organisation_form.html", form=form, org=None), status


@bp.route("/organisations/<org_id>/edit", methods=["GET", "POST"])
@require(*EDIT)
def organisation_edit(org_id: str):
    org = policy.get_organisation_for(current_user, org_id, edit=True)
    form = _organisation_form(org)
    if form.validate_on_submit():
        try:
            changed = service.update_organisation(org, _organisation_input(form, org))
        except service.DirectoryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("directory.organisation", org_id=org.id))
    form.offer_blank_phones()
    status = 422 if request.method == "POST" else 200
    return render_template("directory/organisation_form.html", form=form, org=org), status


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
    return redirect(url_for("directory.organisation", org_id=org.id))


@bp.post("/organisations/<org_id>/deactivate")
@require(MANAGE)
def organisation_deactivate(org_id: str):
    return _set_org_active(org_id, False)


@bp.post("/organisations/<org_id>/activate")
@require(MANAGE)
def organisation_activate(org_id: str):
    return _set_org_active(org_id, True)


# --- services ------------------------------------------------------------------------


def _service_form(org: Organisation, svc) -> ServiceForm:
    form = ServiceForm(
        obj=svc if request.method == "GET" else None,
        locations=service.location_tree(),
        sites=org.sites,
    )
    if request.method == "GET" and svc is not None:
        form.service_type.data = svc.service_type.value
        form.status.data = svc.status.value
        form.eligible_sex.data = svc.eligible_sex.value
        form.area_ids.data = [str(a.location_id) for a in svc.areas]
        form.language_codes.data = [lang.code for lang in svc.languages]
        form.site_ids.data = [str(s.site_id) for s in svc.at_sites]
        form.hours.data = hours_text(svc.schedules)
        _fill_phones(form, svc.phones)
    return form


def _service_input(form: ServiceForm) -> service.ServiceInput:
    try:
        hours = parse_hours(form.hours.data)
    except HoursError as exc:
        raise service.DirectoryError(exc.message, "hours") from None
    return service.ServiceInput(
        service_type=ServiceType(form.service_type.data),
        name_ky=form.name_ky.data or "",
        name_ru=form.name_ru.data or "",
        name_en=form.name_en.data or "",
        description_ky=form.description_ky.data or "",
        description_ru=form.description_ru.data or "",
        description_en=form.description_en.data or "",
        status=service.ServiceStatus(form.status.data),
        eligible_sex=service.EligibleSex(form.eligible_sex.data),
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
        phones=_phones(form),
    )


def _save_service(org: Organisation, svc):
    form = _service_form(org, svc)
    if form.validate_on_submit():
        try:
            data = _service_input(form)
            if svc is None:
                svc = service.create_service(org, data)
                message = _("The service was added.")
            else:
                changed = service.update_service(svc, data)
                message = _("Saved.") if changed else _("Nothing changed.")
        except service.DirectoryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("directory.organisation", org_id=org.id) + f"#s-{svc.id}")
    form.offer_blank_phones()
    status = 422 if request.method == "POST" else 200
    return render_template("directory/service_form.html", form=form, org=org, svc=svc), status


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
    return redirect(url_for("directory.organisation", org_id=svc.organisation_id) + f"#s-{svc.id}")


# --- sites (premises) ----------------------------------------------------------------


def _site_input(form: SiteForm) -> service.SiteInput:
    return service.SiteInput(
        name_ky=form.name_ky.data or "",
        name_ru=form.name_ru.data or "",
        name_en=form.name_en.data or "",
        location_id=_uuid_or_none(form.location_id.data),
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
    if form.validate_on_submit():
        try:
            if site is None:
                site = service.create_site(org, _site_input(form))
                message = _("The premises were added.")
            else:
                changed = service.update_site(site, _site_input(form))
                message = _("Saved.") if changed else _("Nothing changed.")
        except service.DirectoryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("directory.organisation", org_id=org.id))
    status = 422 if request.method == "POST" else 200
    return render_template("directory/site_form.html", form=form, org=org, site=site), status


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


# --- locations -----------------------------------------------------------------------


@bp.get("/locations")
@require(READ)
def locations():
    return render_template(
        "directory/locations.html",
        tree=service.location_tree(),
        can_manage=policy.can_manage(current_user),
        addable=service.ADDABLE_LEVELS,
    )


def _location_parents():
    parent_levels = set().union(*service.ADDABLE_LEVELS.values())
    return [(loc, depth) for loc, depth in service.location_tree() if loc.level in parent_levels]


def _location_input(form: LocationForm, loc) -> service.LocationInput:
    shipped = loc is not None and loc.level not in service.ADDABLE_LEVELS
    return service.LocationInput(
        code=loc.code if shipped else form.code.data,
        level=loc.level if shipped else LocationLevel(form.level.data),
        parent_id=loc.parent_id if shipped else _uuid_or_none(form.parent_id.data),
        name_ky=form.name_ky.data or "",
        name_ru=form.name_ru.data or "",
        name_en=form.name_en.data or "",
        former_names=service.parse_former_names(form.former_names.data),
        valid_from=form.valid_from.data,
        valid_to=form.valid_to.data,
    )


def _save_location(loc):
    form = LocationForm(obj=loc if request.method == "GET" else None, parents=_location_parents())
    shipped = loc is not None and loc.level not in service.ADDABLE_LEVELS
    if request.method == "GET":
        if loc is not None:
            form.former_names.data = service.former_names_text(loc.former_names)
            form.parent_id.data = str(loc.parent_id) if loc.parent_id else ""
            form.level.data = loc.level.value
        else:
            form.parent_id.data = request.args.get("parent", "")
    if shipped:  # the shipped hierarchy keeps its code, level and parent
        form.code.data = loc.code
        for name in ("level", "parent_id"):
            delattr(form, name)
    if form.validate_on_submit():
        try:
            data = _location_input(form, loc)
            if loc is None:
                loc = service.create_location(data)
                message = _("The location was added.")
            else:
                changed = service.update_location(loc, data)
                message = _("Saved.") if changed else _("Nothing changed.")
        except service.DirectoryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("directory.locations") + f"#l-{loc.id}")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "directory/location_form.html", form=form, loc=loc, shipped=shipped
    ), status


@bp.route("/locations/new", methods=["GET", "POST"])
@require(MANAGE)
def location_new():
    return _save_location(None)


@bp.route("/locations/<location_id>/edit", methods=["GET", "POST"])
@require(MANAGE)
def location_edit(location_id: str):
    return _save_location(policy.get_location_for(current_user, location_id))
