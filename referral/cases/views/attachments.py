"""Attachment screens: attach a scanned document, download it, remove it; the
attachments section of the case page.

A download is served only through the policy, as `attachment` under a generic name
(`<case code>-<kind>.pdf`), with the type decided when it was uploaded, never cached.
"""

from __future__ import annotations

import uuid

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases import policy
from referral.cases.forms.closure import AttachmentForm, DeleteAttachmentForm
from referral.cases.models import Attachment
from referral.cases.sections import case_section
from referral.cases.service import CaseError, StaleError
from referral.cases.service import attachments as service
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
from referral.errors import render_error
from referral.extensions import db

FORM = "cases/closure/attachment_form.html"
DELETE = "cases/closure/attachment_delete.html"


def _back(case):
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="attachments"))


@bp.route("/<uuid:case_id>/attachments/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def attachment_new(case_id: uuid.UUID):
    case, access = load_case(case_id)
    if case.is_erased:
        return erased_page(case)
    if not access.can_edit:
        return closed_page(case)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = service.AttachmentInput(
            kind=form.kind.data,
            file_name=upload.filename if upload else None,
            # One byte past the limit is enough to know it is too large.
            data=upload.stream.read(service.max_bytes() + 1) if upload else None,
        )
        try:
            service.add_attachment(current_user, case, data)
        except CaseError as exc:
            return refused(form, exc, FORM, case=case)
        db.session.commit()
        flash(_("The document is attached."), "success")
        return _back(case)
    return render_template(FORM, form=form, case=case), status()


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """Past MAX_CONTENT_LENGTH the body is refused before any view runs (and before the
    sign-in check): answer the upload form with the size message to a user who may
    upload to that case, and the plain 413 page to anyone else."""
    db.session.rollback()
    # The body was refused unread: pages rendered now (their CSRF tokens) see empty forms.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    case_id = (request.view_args or {}).get("case_id")
    if (
        request.endpoint != "cases.attachment_new"
        or not current_user.is_authenticated
        or not current_user.can(Permission.CASE_EDIT)
    ):
        return render_error(413)
    case = policy.get_case_for(current_user, case_id)
    if case is None or not policy.access_for(current_user, case).can_edit:
        return render_error(413)
    form = AttachmentForm(formdata=None)
    form.file.errors = [service.too_large_message()]
    return render_template(FORM, form=form, case=case), 422


@bp.get("/<uuid:case_id>/attachments/<uuid:attachment_id>")
@require(Permission.CASE_READ)
def attachment_download(case_id: uuid.UUID, attachment_id: uuid.UUID):
    case, _access = load_case(case_id)
    if case.is_erased:
        return erased_page(case)
    attachment = load_child(Attachment, case, attachment_id)
    document = service.open_attachment(current_user, case, attachment)
    db.session.commit()
    response = Response(document.data, mimetype=document.media_type.value)
    response.headers["Content-Disposition"] = f'attachment; filename="{document.download_name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened from the browser's download list, a PDF still runs no script of ours.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<uuid:case_id>/attachments/<uuid:attachment_id>/delete", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def attachment_delete(case_id: uuid.UUID, attachment_id: uuid.UUID):
    case, access = load_case(case_id)
    if case.is_erased:
        return erased_page(case)
    attachment = load_child(Attachment, case, attachment_id)
    if not access.can_edit:
        return closed_page(case)
    form = DeleteAttachmentForm()
    if request.method == "GET":
        form.lock_version.data = attachment.lock_version
    elif form.validate_on_submit():
        if not form.understood.data:
            form.understood.errors.append(_("Tick the box to remove the document."))
            return render_template(DELETE, form=form, case=case, attachment=attachment), 422
        try:
            service.delete_attachment(current_user, case, attachment, form.lock_version.data)
        except StaleError as exc:
            version = attachment.lock_version
            return stale(form, exc, DELETE, case=case, attachment=attachment, new_version=version)
        db.session.commit()
        flash(_("The document was removed."), "success")
        return _back(case)
    return render_template(DELETE, form=form, case=case, attachment=attachment), status()


@case_section(600, "cases/closure/_attachments.html")
def attachments_section(user, case, access) -> dict:
    return {
        "case_id": case.id,
        "documents": service.list_attachments(user, case),
        "can_edit": access.can_edit,
    }
