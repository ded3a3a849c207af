"""Who may see and change which committee and pathway.

Reading: everyone whose role holds COMMITTEE_READ reads every committee, its members, its
activity log and every published pathway (pathways are shared knowledge of the whole
referral network). Drafts are seen only by those who may edit them.

Changing: an administrator (COMMITTEE_MANAGE) changes everything. A committee member
(COMMITTEE_EDIT_OWN) changes the pathway and activity log of the committee they
coordinate, nothing else; the national default is the administrators' alone.

A member who is not the coordinator, asking to change a committee, gets 403, not 404:
they can read that committee anyway, so hiding it would protect nothing, and "not
allowed" tells them the truth. Ids that do not exist (or are malformed) answer 404.
"""

from __future__ import annotations

import uuid

from flask import abort

from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.committees.models import Committee, Pathway, PathwayStep, PathwayVersion
from referral.committees.service import version_by_number
from referral.extensions import db


def parse_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        abort(404)


def get_committee_for(user: User, committee_id: str) -> Committee:
    if not user.can(Permission.COMMITTEE_READ):
        abort(404)
    committee = db.session.get(Committee, parse_id(committee_id))
    if committee is None:
        abort(404)
    return committee


def coordinates(user: User, committee: Committee | None) -> bool:
    return (
        committee is not None
        and user.can(Permission.COMMITTEE_EDIT_OWN)
        and committee.coordinator_id == user.id
        and user.is_active_account
    )


def can_edit_committee(user: User, committee: Committee) -> bool:
    """The pathway and activity log: administrators and the committee's coordinator."""
    return user.can(Permission.COMMITTEE_MANAGE) or coordinates(user, committee)


def can_manage_committee(user: User) -> bool:
    """Name, area, members and coordinator: administrators only."""
    return user.can(Permission.COMMITTEE_MANAGE)


def get_committee_to_edit(user: User, committee_id: str) -> Committee:
    committee = get_committee_for(user, committee_id)
    if not can_edit_committee(user, committee):
        abort(403)
    return committee


def get_committee_to_manage(user: User, committee_id: str) -> Committee:
    committee = get_committee_for(user, committee_id)
    if not can_manage_committee(user):
        abort(403)
    return committee


def get_pathway_for(user: User, pathway_id: str) -> Pathway:
    if not user.can(Permission.COMMITTEE_READ):
        abort(404)
    pathway = db.session.get(Pathway, parse_id(pathway_id))
    if pathway is None:
        abort(404)
    return pathway


def can_edit_pathway(user: User, pathway: Pathway) -> bool:
    if user.can(Permission.COMMITTEE_MANAGE):
        return True
    return not pathway.is_national and coordinates(user, pathway.committee)


def get_pathway_to_edit(user: User, pathway_id: str) -> Pathway:
    pathway = get_pathway_for(user, pathway_id)
    if not can_edit_pathway(user, pathway):
        abort(403)
    return pathway


def get_version_for(user: User, pathway: Pathway, number: int) -> PathwayVersion:
    """A version by number; a draft only for those who may edit the pathway."""
    version = version_by_number(pathway, number)
    if version is None or (version.is_draft and not can_edit_pathway(user, pathway)):
        abort(404)
    return version


def get_draft_step(draft: PathwayVersion | None, step_id: str) -> PathwayStep:
    """A step of the pathway's draft. Steps of published versions are not editable and
    are not found here."""
    if draft is None:
        abort(404)
    step = db.session.get(PathwayStep, parse_id(step_id))
    if step is None or step.version_id != draft.id:
        abort(404)
    return step
