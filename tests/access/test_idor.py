"""IDOR sweep, driven by the app's url_map: every route that takes an object id, called
by a user of another organisation who holds the route's permission, with the id of a
real object, answers 404 for GET and for POST (with a valid CSRF token).

Two kinds of request per route and attacker:
- `foreign`: every id names an object of another organisation (the other crisis
  centre's case and its records, a referral between organisations the attacker is not
  part of, another committee, another provider's service, another user's notification);
- `mixed` (routes with several ids): the first id is the attacker's own object, the
  others another organisation's (their case with another case's attachment), which a
  loader checking only the first id would let through.

A route whose ids the sweep cannot build, or for which no role holds a permission
with an organisation scope, fails the test unless it is listed in NOT_SWEPT with its
reason. Prints the figure: routes, requests, unexpected answers (0).
"""

from __future__ import annotations

import pytest
from werkzeug.routing import UUIDConverter

# Imported for the builders they register (own and other-centre cases, their records,
# committees, directory entries).
import tests.access.cases_assessment
import tests.access.cases_closure
import tests.access.cases_plan
import tests.access.committees
import tests.access.directory  # noqa: F401
from referral.auth.access import declaration
from referral.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from referral.directory.models import OrganisationType
from referral.extensions import db
from referral.notifications.models import Notification, NotificationKind
from tests import factories
from tests.access.matrix import NOT_FOUND, World, builder
from tests.access.referrals_transfer import _send as send_transfer
from tests.conftest import Browser
from tests.helpers import refer

# Permissions without an organisation scope, by design: holding one of them is not a
# way into another organisation's objects, so it does not make its holder an attacker.
UNSCOPED = {
    Permission.COMMITTEE_READ: "committees and published pathways are shared knowledge of "
    "the whole referral network (committees/policy.py)",
    Permission.DIRECTORY_READ: "the service directory is read by every staff role",
    Permission.COMMITTEE_MANAGE: "administrators manage every committee, nationally",
    Permission.DIRECTORY_MANAGE: "administrators manage the whole directory, nationally",
    Permission.USERS_MANAGE: "administrators manage every account (except what opens cases, "
    "proved in tests/access/foundation.py)",
}

# Routes with an id that the sweep does not call, and why. Every other route with an id
# must be swept.
NOT_SWEPT = {
    "committees.detail": UNSCOPED[Permission.COMMITTEE_READ],
    "committees.pathway": UNSCOPED[Permission.COMMITTEE_READ],
    "committees.pathway_print": UNSCOPED[Permission.COMMITTEE_READ],
    "committees.edit": UNSCOPED[Permission.COMMITTEE_MANAGE],
    "committees.members": UNSCOPED[Permission.COMMITTEE_MANAGE],
    "committees.end_membership": UNSCOPED[Permission.COMMITTEE_MANAGE],
    "directory.organisation": UNSCOPED[Permission.DIRECTORY_READ],
    "directory.organisation_activate": UNSCOPED[Permission.DIRECTORY_MANAGE],
    "directory.organisation_deactivate": UNSCOPED[Permission.DIRECTORY_MANAGE],
    "directory.location_edit": "locations (the country's areas) belong to no organisation",
}

# A committee member asking to change another committee gets 403, not 404: they read
# that committee anyway, so hiding it protects nothing (committees/policy.py). Ids that
# do not belong together (their pathway, another's step) still answer 404.
FOREIGN_REFUSAL = {
    endpoint: 403
    for endpoint in (
        "committees.new_activity",
        "committees.draft",
        "committees.start_draft",
        "committees.discard_draft",
        "committees.publish",
        "committees.add_step",
        "committees.edit_step",
        "committees.move_step",
        "committees.remove_step",
        "committees.add_provider",
        "committees.remove_provider",
    )
}

# Route parameters that are not ids, and the value to call them with.
FIXED = {"kind": "services"}


@builder("idor:referral")
def _foreign_referral(world):
    """A referral of the other crisis centre's case to a police organisation that is not
    the world's: foreign to the world's case roles and to its provider."""
    worker = world.users["other_caseworker"]
    case = world.get("other_org_case")
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    return refer(worker, case, police.id, summary="She needs protection.")


@builder("idor:transfer")
def _foreign_transfer(world):
    """A transfer from the other crisis centre to a third one."""
    third = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    return send_transfer(world.users["other_caseworker"], third)


@builder("idor:notification")
def _foreign_notification(world):
    notification = Notification(
        user_id=world.users["other_caseworker"].id, kind=NotificationKind.NEW_REFERRAL, link="/"
    )
    db.session.add(notification)
    db.session.flush()
    return notification


@builder("idor:session")
def _foreign_session(world):
    """A signed-in session of another organisation's caseworker."""
    session = factories.UserSessionFactory(user=world.users["other_caseworker"])
    db.session.flush()
    return session


def _record(kind: str, group: str):
    return lambda world: world.get(f"{group}:other_org")[kind]


# How to name another organisation's object for each id parameter.
FOREIGN = {
    "case_id": lambda w: w.get("other_org_case").id,
    "attachment_id": lambda w: w.get("attachment:other_org"),
    "incident_id": _record("incidents", "assessment_records"),
    "perpetrator_id": _record("perpetrators", "assessment_records"),
    "item_id": _record("plan", "plan_records"),
    "followup_id": _record("followups", "plan_records"),
    "order_id": _record("orders", "plan_records"),
    "note_id": _record("notes", "plan_records"),
    "notification_id": lambda w: w.get("idor:notification").id,
    "committee_id": lambda w: w.get("committees:other")["committee"],
    "pathway_id": lambda w: w.get("committees:other")["pathway"],
    "member_id": lambda w: w.get("committees:other")["member"],
    "step_id": lambda w: w.get("committees:other")["step"],
    "organisation_id": lambda w: w.get("committees:other")["provider"],
    "org_id": lambda w: w.orgs["crisis"].id,  # the provider's foreign organisation
    "service_id": lambda w: w.get("other_service").id,
    "site_id": lambda w: w.get("other_site").id,
    "user_id": lambda w: w.users["other_caseworker"].id,
    "session_id": lambda w: w.get("idor:session").id,
}
# The attacker's own object, for the first id of a `mixed` request.
OWN = {
    "case_id": lambda w: w.get("own_case").id,
    "pathway_id": lambda w: w.get("committees:own")["pathway"],
    "committee_id": lambda w: w.get("committees:own")["committee"],
}


def _foreign(world, endpoint: str, param: str):
    if param == "referral_id":
        name = "idor:transfer" if endpoint.startswith("referrals.transfer_") else "idor:referral"
        return world.get(name).id
    return FOREIGN[param](world)


def _id_params(rule) -> list[str]:
    return [
        name
        for name, converter in rule._converters.items()
        if isinstance(converter, UUIDConverter) or name.endswith("_id")
    ]


def _attackers(app, endpoint: str) -> list[str]:
    """World roles holding a permission of the endpoint that has an organisation scope."""
    declared = declaration(app, endpoint)
    if not isinstance(declared, frozenset):
        return []
    scoped = declared - set(UNSCOPED)
    return [role.value for role in Role if ROLE_PERMISSIONS[role] & scoped]


def _routes(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if _id_params(rule)),
        key=lambda rule: rule.rule,
    )


def _plan(app, world):
    """(endpoint, method, mode, role, url) for every request of the sweep, and the
    problems that keep routes out of it."""
    requests, problems = [], []
    for rule in _routes(app):
        endpoint = rule.endpoint
        if endpoint in NOT_SWEPT:
            continue
        attackers = _attackers(app, endpoint)
        if not attackers:
            problems.append(f"{endpoint}: no role holds a scoped permission")
            continue
        params = _id_params(rule)
        unknown = [
            p for p in rule.arguments if p not in FIXED and p not in FOREIGN and p != "referral_id"
        ]
        if unknown:
            problems.append(f"{endpoint}: no builder for {unknown}")
            continue
        modes = {"foreign": {p: _foreign(world, endpoint, p) for p in params}}
        if len(params) > 1 and params[0] in OWN:
            modes["mixed"] = {**modes["foreign"], params[0]: OWN[params[0]](world)}
        for mode, values in modes.items():
            fixed = {k: v for k, v in FIXED.items() if k in rule.arguments}
            url = rule.build({**fixed, **{k: str(v) for k, v in values.items()}})[1]
            for method in sorted(rule.methods & {"GET", "POST"}):
                for role in attackers:
                    requests.append((endpoint, method, mode, role, url))
    return requests, problems


def test_no_route_with_an_id_answers_another_organisations_object(app, capsys):
    world = World.build()
    requests, problems = _plan(app, world)
    assert problems == [], "routes with ids that the sweep cannot call"
    browsers: dict[str, Browser] = {}
    unexpected = []
    for endpoint, method, mode, role, url in requests:
        if role not in browsers:
            browsers[role] = Browser(app)
            browsers[role].sign_in(world.users[role])
        browser = browsers[role]
        response = browser.get(url) if method == "GET" else browser.post(url, {})
        expected = FOREIGN_REFUSAL.get(endpoint, NOT_FOUND) if mode == "foreign" else NOT_FOUND
        if response.status_code != expected:
            unexpected.append(
                f"{method} {url} ({endpoint}, {mode}) as {role}: "
                f"{response.status_code}, expected {expected}"
            )
    routes = {endpoint for endpoint, *_ in requests}
    print(
        f"\n[security] IDOR sweep: {len(routes)} routes with ids, {len(requests)} requests "
        f"by another organisation's users, {len(NOT_SWEPT)} routes exempt with a reason; "
        f"unexpected answers: {len(unexpected)}"
    )
    assert unexpected == []


def test_the_sweep_fails_on_a_route_it_cannot_call(app):
    """A new id parameter without a builder is a failure, not a silent skip."""
    world = World.build()
    saved = FOREIGN.pop("note_id")
    try:
        _requests, problems = _plan(app, world)
    finally:
        FOREIGN["note_id"] = saved
    assert problems == ["cases.note_edit: no builder for ['note_id']"]


@pytest.mark.parametrize("endpoint", sorted(NOT_SWEPT))
def test_every_exemption_names_a_route_that_exists(app, endpoint):
    assert endpoint in {rule.endpoint for rule in _routes(app)}
