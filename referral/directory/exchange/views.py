"""Administrators exchange the directory with partners as Open Referral HSDS 3.0."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, render_template
from flask_babel import gettext as _

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.directory import exchange
from referral.directory.exchange.bounds import FileRefused
from referral.directory.forms import ImportForm
from referral.extensions import db

bp = Blueprint("exchange", __name__, url_prefix="/directory/exchange")


@bp.get("/")
@require(Permission.DIRECTORY_MANAGE)
def index():
    return render_template("directory/exchange.html", form=ImportForm(), result=None)


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    db.session.commit()  # the export's audit event
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/export.json")
@require(Permission.DIRECTORY_MANAGE)
def export_json():
    return _download(exchange.export("json"), "application/json", "hsds-directory.json")


@bp.get("/export.zip")
@require(Permission.DIRECTORY_MANAGE)
def export_zip():
    return _download(exchange.export("zip"), "application/zip", "hsds-directory.zip")


@bp.post("/import")
@require(Permission.DIRECTORY_MANAGE)
def import_():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("directory/exchange.html", form=form, result=None), 422
    upload = form.file.data
    try:
        result = exchange.import_file(upload.filename or "", upload.read())
    except (ValueError, json.JSONDecodeError) as exc:
        db.session.rollback()
        form.file.errors = [
            str(exc.message)
            if isinstance(exc, FileRefused)
            else _("The file could not be read: upload a .json or .zip HSDS file.")
        ]
        return render_template("directory/exchange.html", form=form, result=None), 422
    if not result.ok:
        db.session.rollback()
        return render_template("directory/exchange.html", form=form, result=result), 422
    db.session.commit()
    flash(_("The import succeeded."), "success")
    return render_template("directory/exchange.html", form=ImportForm(), result=result)
