"""The public service finder: no sign-in, no cookie, nothing kept of what was chosen.

Pages use their own layout (templates/directory/public_base.html): language links as
`?lang=`, no form with a CSRF token, no session access, a quick-exit button.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, render_template, request

from referral.auth.access import public
from referral.directory import public as finder
from referral.directory.models import Location
from referral.extensions import db

bp = Blueprint("finder", __name__, url_prefix="/find")


def _location(value: str | None) -> Location | None:
    try:
        return db.session.get(Location, uuid.UUID(value)) if value else None
    except ValueError:
        return None


@bp.get("/")
@public
def index():
    location = _location(request.args.get("where"))
    need = finder.NEEDS_BY_KEY.get(request.args.get("need", ""))
    results = None
    if location is not None:
        results = [finder.public_view(s) for s in finder.find_services(location, need)]
    return render_template(
        "directory/finder.html",
        locations=finder.finder_locations(),
        needs=finder.NEEDS,
        location=location,
        need=need,
        results=results,
        helplines=[finder.public_view(s) for s in finder.helplines()],
    )
