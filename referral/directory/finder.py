"""The public service finder: no sign-in, no cookie, nothing kept of what was chosen.

Pages use their own layout (templates/directory/public_base.html): language links as
`?lang=`, no form with a CSRF token, no session access, a quick-exit button.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, make_response, render_template, request

from referral.auth.access import public
from referral.directory import public as finder
from referral.directory.models import Location
from referral.extensions import csrf, db

bp = Blueprint("finder", __name__, url_prefix="/find")


def _location(value: str | None) -> Location | None:
    try:
        return db.session.get(Location, uuid.UUID(value)) if value else None
    except ValueError:
        return None


@bp.route("/", methods=["GET", "POST"])
@public
@csrf.exempt  # changes nothing; a token would need a session cookie, which the finder never sets
def index():
    # The search is a POST: what the visitor chose (place, "I am in danger now") must not
    # stand in a URL, where browser history and server access logs would keep it.
    location = _location(request.form.get("where")) if request.method == "POST" else None
    need = finder.NEEDS_BY_KEY.get(request.form.get("need", "")) if location else None
    results = None
    if location is not None:
        results = [finder.public_view(s) for s in finder.find_services(location, need)]
    if results is not None and request.headers.get("X-Finder") == "results":
        # The finder's script after a search: it keeps the page and its form and swaps
        # in the results only.
        response = make_response(
            render_template(
                "directory/finder_results_only.html",
                location=location,
                need=need,
                results=results,
            )
        )
        response.vary.add("X-Finder")
        return response
    return render_template(
        "directory/finder.html",
        locations=finder.finder_locations(),
        needs=finder.NEEDS,
        location=location,
        need=need,
        results=results,
        helplines=[finder.public_view(s) for s in finder.helplines()],
    )
