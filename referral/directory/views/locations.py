"""The location tree, and the aiyl aimaks and villages administrators add to it."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.directory import policy, service
from referral.directory.forms import LocationForm
from referral.directory.models import LocationLevel
from referral.directory.views import (
    MANAGE,
    READ,
    bp,
    form_status,
    save_form,
    saved_message,
    uuid_or_none,
)


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
        parent_id=loc.parent_id if shipped else uuid_or_none(form.parent_id.data),
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

    def save():
        data = _location_input(form, loc)
        if loc is None:
            saved = service.create_location(data)
            message = _("The location was added.")
        else:
            saved = loc
            message = saved_message(service.update_location(loc, data))
        return message, url_for("directory.locations") + f"#l-{saved.id}"

    if (done := save_form(form, save)) is not None:
        return done
    return render_template(
        "directory/location_form.html", form=form, loc=loc, shipped=shipped
    ), form_status()


@bp.route("/locations/new", methods=["GET", "POST"])
@require(MANAGE)
def location_new():
    return _save_location(None)


@bp.route("/locations/<location_id>/edit", methods=["GET", "POST"])
@require(MANAGE)
def location_edit(location_id: str):
    return _save_location(policy.get_location_for(current_user, location_id))
