"""Committees, their members and activity log, and their referral pathways: one
blueprint, its routes in two modules. Row scope and the coordinator rule are in
policy.py; rules in service.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort
from sqlalchemy.exc import IntegrityError

from referral.auth.permissions import Permission
from referral.extensions import db

bp = Blueprint("committees", __name__, url_prefix="/committees")

READ = Permission.COMMITTEE_READ
EDIT = (Permission.COMMITTEE_EDIT_OWN, Permission.COMMITTEE_MANAGE)
MANAGE = Permission.COMMITTEE_MANAGE


def commit_or_conflict() -> None:
    """Commit; a unique rule broken by a concurrent change answers 409, nothing saved."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409)


def optional_uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


# Routes register themselves on `bp` when imported.
from referral.committees.views import committees, pathways  # noqa: E402

__all__ = ["bp", "committees", "pathways"]
