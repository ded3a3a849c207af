"""Committee pages: list, detail, create and edit, members, activity log."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import require
from referral.auth.forms import EmptyForm
from referral.committees import policy, service
from referral.committees.forms import (
    ActivityForm,
    CommitteeForm,
    MemberForm,
)
from referral.committees.models import ActivityType, CommitteeMember, MemberAgency
from referral.committees.views import EDIT, MANAGE, READ, bp, commit_or_conflict, optional_uuid
from referral.extensions import db

# --- committees --------------------------------------------------------------------


@bp.get("/")
@require(READ)
def index():
    committees = service.list_committees()
    national = service.national_pathway()
    return render_template(
        "committees/index.html",
        committees=committees,
        national=national,
        national_version=service.published_version(national),
        published=service.published_versions_by_committee(),
        can_manage=policy.can_manage_committee(current_user),
    )


def _committee_input(form: CommitteeForm) -> service.CommitteeInput:
    coordinator = form.coordinator_id.data if "coordinator_id" in form else None
    return service.CommitteeInput(
        name_ky=form.name_ky.data or "",
        name_ru=form.name_ru.data or "",
        name_en=form.name_en.data or "",
        founding_partners=form.founding_partners.data or "",
        area_ids=[uuid.UUID(v) for v in form.area_ids.data or []],
        coordinator_id=optional_uuid(coordinator),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(MANAGE)
def new():
    form = CommitteeForm(locations=service.area_locations())
    if form.validate_on_submit():
        try:
            committee = service.create_committee(_committee_input(form))
        except service.CommitteeError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("committees/form.html", form=form, committee=None), 422
        commit_or_conflict()
        flash(_("The committee is created. Now add its members."), "success")
        return redirect(url_for("committees.members", committee_id=committee.id))
    status = 422 if form.is_submitted() else 200
    return render_template("committees/form.html", form=form, committee=None), status


@bp.get("/<committee_id>")
@require(READ)
def detail(committee_id: str):
    committee = policy.get_committee_for(current_user, committee_id)
    pathway = service.pathway_of(committee)
    return render_template(
        "committees/detail.html",
        committee=committee,
        pathway=pathway,
        version=service.published_version(pathway),
        activities=service.recent_activities(committee),
        can_edit=policy.can_edit_committee(current_user, committee),
        can_manage=policy.can_manage_committee(current_user),
    )


@bp.route("/<committee_id>/edit", methods=["GET", "POST"])
@require(MANAGE)
def edit(committee_id: str):
    committee = policy.get_committee_to_manage(current_user, committee_id)
    form = CommitteeForm(
        obj=committee,
        locations=service.area_locations(),
        coordinators=service.coordinator_candidates(committee),
    )
    if request.method == "GET":
        form.area_ids.data = [str(loc.id) for loc in committee.areas]
        form.coordinator_id.data = str(committee.coordinator_id or "")
    if form.validate_on_submit():
        try:
            changed = service.update_committee(committee, _committee_input(form))
        except service.CommitteeError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("committees/form.html", form=form, committee=committee), 422
        commit_or_conflict()
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("committees.detail", committee_id=committee.id))
    status = 422 if form.is_submitted() else 200
    return render_template("committees/form.html", form=form, committee=committee), status


@bp.route("/<committee_id>/members", methods=["GET", "POST"])
@require(MANAGE)
def members(committee_id: str):
    committee = policy.get_committee_to_manage(current_user, committee_id)
    form = MemberForm(users=service.member_user_candidates(committee))
    if form.validate_on_submit():
        try:
            service.add_member(
                committee,
                service.MemberInput(
                    agency=MemberAgency(form.agency.data),
                    position=form.position.data or "",
                    user_id=optional_uuid(form.user_id.data),
                    full_name=form.full_name.data or "",
                ),
            )
        except service.CommitteeError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("committees/members.html", committee=committee, form=form), 422
        commit_or_conflict()
        flash(_("The member is added."), "success")
        return redirect(url_for("committees.members", committee_id=committee.id))
    status = 422 if form.is_submitted() else 200
    return render_template("committees/members.html", committee=committee, form=form), status


@bp.post("/<committee_id>/members/<member_id>/end")
@require(MANAGE)
def end_membership(committee_id: str, member_id: str):
    committee = policy.get_committee_to_manage(current_user, committee_id)
    member = db.session.get(CommitteeMember, policy.parse_id(member_id))
    if member is None or member.committee_id != committee.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.end_membership(member)
    except service.CommitteeError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("committees.members", committee_id=committee.id))
    commit_or_conflict()
    flash(_("The membership has ended."), "success")
    return redirect(url_for("committees.members", committee_id=committee.id))


@bp.route("/<committee_id>/activities/new", methods=["GET", "POST"])
@require(*EDIT)
def new_activity(committee_id: str):
    committee = policy.get_committee_to_edit(current_user, committee_id)
    form = ActivityForm()
    if form.validate_on_submit():
        try:
            service.log_activity(
                committee,
                service.ActivityInput(
                    occurred_on=form.occurred_on.data,
                    activity_type=ActivityType(form.activity_type.data),
                    title=form.title.data,
                    participants_women=form.participants_women.data,
                    participants_men=form.participants_men.data,
                    resources_som=form.resources_som.data,
                    notes=form.notes.data or "",
                ),
                by=current_user,
            )
        except service.CommitteeError as exc:
            db.session.rollback()
            form.occurred_on.errors = [*form.occurred_on.errors, exc.message]
            return render_template(
                "committees/activity_form.html", committee=committee, form=form
            ), 422
        commit_or_conflict()
        flash(_("The activity is logged."), "success")
        return redirect(url_for("committees.detail", committee_id=committee.id))
    status = 422 if form.is_submitted() else 200
    return render_template("committees/activity_form.html", committee=committee, form=form), status
