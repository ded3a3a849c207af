"""Pathway pages: reading, printing, and editing the draft step by step (no JavaScript)."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from referral.auth.access import require
from referral.auth.forms import EmptyForm
from referral.committees import policy, service
from referral.committees.forms import MoveForm, ProviderForm, StepForm
from referral.committees.service.pathways import area_organisation_ids
from referral.committees.views import EDIT, READ, bp, commit_or_conflict
from referral.db import utcnow
from referral.directory.models import Organisation, ServiceType
from referral.extensions import db

# --- pathways: reading ---------------------------------------------------------------


def _version_to_show(pathway):
    number = request.args.get("version", "")
    if number:
        if not (number.isascii() and number.isdigit()) or len(number) > 6:
            abort(404)
        return policy.get_version_for(current_user, pathway, int(number))
    return service.published_version(pathway)


@bp.get("/pathways/<pathway_id>")
@require(READ)
def pathway(pathway_id: str):
    pathway = policy.get_pathway_for(current_user, pathway_id)
    can_edit = policy.can_edit_pathway(current_user, pathway)
    versions = [v for v in pathway.versions if can_edit or not v.is_draft]
    return render_template(
        "committees/pathway.html",
        pathway=pathway,
        version=_version_to_show(pathway),
        versions=list(reversed(versions)),
        draft=service.draft_version(pathway) if can_edit else None,
        can_edit=can_edit,
        phones=service.public_phones,
    )


@bp.get("/pathways/<pathway_id>/print")
@require(READ)
def pathway_print(pathway_id: str):
    pathway = policy.get_pathway_for(current_user, pathway_id)
    version = _version_to_show(pathway)
    if version is None:
        abort(404)
    return render_template(
        "committees/pathway_print.html",
        pathway=pathway,
        version=version,
        phones=service.public_phones,
        now=utcnow(),
    )


# --- pathways: editing the draft -------------------------------------------------------


def _draft_page(pathway, draft, step_form=None, status=200):
    return render_template(
        "committees/draft.html",
        pathway=pathway,
        draft=draft,
        step_form=step_form or StepForm(formdata=None),
        move_form=MoveForm(formdata=None),
    ), status


@bp.get("/pathways/<pathway_id>/draft")
@require(*EDIT)
def draft(pathway_id: str):
    pathway = policy.get_pathway_to_edit(current_user, pathway_id)
    return _draft_page(pathway, service.draft_version(pathway))


@bp.post("/pathways/<pathway_id>/draft/start")
@require(*EDIT)
def start_draft(pathway_id: str):
    pathway = policy.get_pathway_to_edit(current_user, pathway_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.start_draft(pathway, current_user)
    commit_or_conflict()
    return redirect(url_for("committees.draft", pathway_id=pathway.id))


def _editable_draft(pathway_id: str):
    pathway = policy.get_pathway_to_edit(current_user, pathway_id)
    draft = service.draft_version(pathway)
    if draft is None:
        abort(404)
    return pathway, draft


def _step_input(form: StepForm) -> service.StepInput:
    return service.StepInput(
        service_type=ServiceType(form.service_type.data),
        target_hours=form.target_hours.data,
        guidance_ky=form.guidance_ky.data or "",
        guidance_ru=form.guidance_ru.data or "",
        guidance_en=form.guidance_en.data or "",
    )


@bp.post("/pathways/<pathway_id>/draft/steps")
@require(*EDIT)
def add_step(pathway_id: str):
    pathway, draft = _editable_draft(pathway_id)
    form = StepForm()
    if not form.validate_on_submit():
        return _draft_page(pathway, draft, form, 422)
    try:
        step = service.add_step(draft, _step_input(form))
    except service.CommitteeError as exc:
        db.session.rollback()
        form.service_type.errors = [*form.service_type.errors, exc.message]
        return _draft_page(pathway, draft, form, 422)
    commit_or_conflict()
    flash(_("Step %(number)s is added.", number=step.position), "success")
    return redirect(url_for("committees.draft", pathway_id=pathway.id, _anchor="add-step"))


def _provider_form(pathway, taken=frozenset(), **kwargs) -> ProviderForm:
    """The picker: the providers of the committee's area first (grouped by type and
    marked as such), then the rest of the country."""
    local = area_organisation_ids(pathway.committee)
    organisations = [
        o for o in service.provider_choices(pathway.committee, local) if o.id not in taken
    ]
    organisations.sort(key=lambda o: (o.id not in local, o.org_type.label, o.name.casefold()))
    form = ProviderForm(organisations=organisations, **kwargs)
    form.organisation_id.choices = [
        SelectChoice(
            str(o.id),
            o.name,
            optgroup=(
                _("%(type)s — in the committee's area", type=o.org_type.label)
                if o.id in local
                else o.org_type.label
            ),
        )
        for o in organisations
    ]
    return form


def _step_page(pathway, step, form=None, provider_form=None, status=200):
    taken = {p.organisation_id for p in step.providers}
    return render_template(
        "committees/step.html",
        pathway=pathway,
        step=step,
        form=form or StepForm(formdata=None, obj=step),
        provider_form=provider_form or _provider_form(pathway, taken, formdata=None),
    ), status


@bp.route("/pathways/<pathway_id>/draft/steps/<step_id>", methods=["GET", "POST"])
@require(*EDIT)
def edit_step(pathway_id: str, step_id: str):
    pathway, draft = _editable_draft(pathway_id)
    step = policy.get_draft_step(draft, step_id)
    if request.method == "GET":
        form = StepForm(formdata=None, obj=step)
        form.service_type.data = step.service_type.value
        return _step_page(pathway, step, form)
    form = StepForm()
    if not form.validate_on_submit():
        return _step_page(pathway, step, form, status=422)
    try:
        service.update_step(step, _step_input(form))
    except service.CommitteeError as exc:
        db.session.rollback()
        form.service_type.errors = [*form.service_type.errors, exc.message]
        return _step_page(pathway, step, form, status=422)
    commit_or_conflict()
    flash(_("Saved."), "success")
    return redirect(url_for("committees.draft", pathway_id=pathway.id, _anchor=f"step-{step.id}"))


@bp.post("/pathways/<pathway_id>/draft/steps/<step_id>/move")
@require(*EDIT)
def move_step(pathway_id: str, step_id: str):
    pathway, draft = _editable_draft(pathway_id)
    step = policy.get_draft_step(draft, step_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    service.move_step(step, -1 if form.direction.data == "up" else 1)
    commit_or_conflict()
    return redirect(url_for("committees.draft", pathway_id=pathway.id, _anchor=f"step-{step.id}"))


@bp.post("/pathways/<pathway_id>/draft/steps/<step_id>/remove")
@require(*EDIT)
def remove_step(pathway_id: str, step_id: str):
    pathway, draft = _editable_draft(pathway_id)
    step = policy.get_draft_step(draft, step_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.remove_step(step)
    commit_or_conflict()
    flash(_("The step is removed."), "success")
    return redirect(url_for("committees.draft", pathway_id=pathway.id))


@bp.post("/pathways/<pathway_id>/draft/steps/<step_id>/providers")
@require(*EDIT)
def add_provider(pathway_id: str, step_id: str):
    pathway, draft = _editable_draft(pathway_id)
    step = policy.get_draft_step(draft, step_id)
    form = _provider_form(pathway)
    if not form.validate_on_submit():
        return _step_page(pathway, step, provider_form=form, status=422)
    organisation = db.session.get(Organisation, uuid.UUID(form.organisation_id.data))
    try:
        service.add_preferred_provider(step, organisation)
    except service.CommitteeError as exc:
        db.session.rollback()
        form.organisation_id.errors = [*form.organisation_id.errors, exc.message]
        return _step_page(pathway, step, provider_form=form, status=422)
    commit_or_conflict()
    flash(_("The provider is added to the step."), "success")
    return redirect(url_for("committees.edit_step", pathway_id=pathway.id, step_id=step.id))


@bp.post("/pathways/<pathway_id>/draft/steps/<step_id>/providers/<organisation_id>/remove")
@require(*EDIT)
def remove_provider(pathway_id: str, step_id: str, organisation_id: str):
    pathway, draft = _editable_draft(pathway_id)
    step = policy.get_draft_step(draft, step_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not service.remove_preferred_provider(step, policy.parse_id(organisation_id)):
        abort(404)
    commit_or_conflict()
    flash(_("The provider is removed from the step."), "success")
    return redirect(url_for("committees.edit_step", pathway_id=pathway.id, step_id=step.id))


@bp.post("/pathways/<pathway_id>/draft/publish")
@require(*EDIT)
def publish(pathway_id: str):
    pathway, draft = _editable_draft(pathway_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        version = service.publish(draft, current_user)
    except service.CommitteeError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("committees.draft", pathway_id=pathway.id))
    commit_or_conflict()
    flash(_("Version %(number)s is published and now in force.", number=version.number), "success")
    return redirect(url_for("committees.pathway", pathway_id=pathway.id))


@bp.post("/pathways/<pathway_id>/draft/discard")
@require(*EDIT)
def discard_draft(pathway_id: str):
    pathway, draft = _editable_draft(pathway_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.discard_draft(draft)
    commit_or_conflict()
    flash(_("The draft is discarded; the version in force is unchanged."), "success")
    return redirect(url_for("committees.pathway", pathway_id=pathway.id))
