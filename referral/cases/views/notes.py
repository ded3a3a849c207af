"""Case-note screens: write a note, its author edits it; the notes section of the case
page (500). Notes are the centre's own: no provider screen ever shows them."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.cases.forms.plan import EditNoteForm, NoteForm
from referral.cases.models.plan import CaseNote
from referral.cases.sections import case_section
from referral.cases.service import notes
from referral.cases.service.common import CaseError, StaleError
from referral.cases.views import bp
from referral.cases.views.common import load_child, refused, stale, status
from referral.cases.views.plan import detail_url, writable_case
from referral.extensions import db

FORM = "cases/plan/note_form.html"


@bp.route("/<uuid:case_id>/notes/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def note_new(case_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    form = NoteForm()
    if form.validate_on_submit():
        try:
            notes.add_note(current_user, case, form.text.data)
        except CaseError as exc:
            return refused(form, exc, FORM, case=case, note=None)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(detail_url(case, "notes"))
    return render_template(FORM, form=form, case=case, note=None), status()


@bp.route("/<uuid:case_id>/notes/<uuid:note_id>/edit", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def note_edit(case_id: uuid.UUID, note_id: uuid.UUID):
    case, answer = writable_case(case_id)
    if answer:
        return answer
    note = load_child(CaseNote, case, note_id)
    if not notes.can_edit_note(current_user, case, note):
        abort(404)  # another person's note: only its author may change it
    if request.method == "GET":
        view = notes.read_note(current_user, case, note)
        db.session.commit()
        form = EditNoteForm(
            formdata=None, data={"text": view.text, "lock_version": view.lock_version}
        )
        return render_template(FORM, form=form, case=case, note=note)
    form = EditNoteForm()
    if form.validate_on_submit():
        try:
            notes.update_note(current_user, case, note, form.text.data, form.lock_version.data)
        except CaseError as exc:
            return refused(form, exc, FORM, case=case, note=note)
        except StaleError as exc:
            version = note.lock_version
            return stale(form, exc, FORM, case=case, note=note, new_version=version)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(detail_url(case, "notes"))
    return render_template(FORM, form=form, case=case, note=note), status()


@case_section(500, "cases/plan/_notes.html")
def notes_section(user, case, access) -> dict:
    return {"notes": notes.notes(user, case), "can_edit": access.can_edit}
