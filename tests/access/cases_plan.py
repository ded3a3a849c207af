"""Action plan, follow-up, protection orders and case notes: every endpoint x role x case
scope (own, assigned, a colleague's, another centre's, erased, missing), GET and POST.

Caseworkers change the records of their own and assigned cases, supervisors of every
case of their centre; other roles have no case permission (403); out of scope is 404;
an erased case answers 410 before any record is looked up. A record id of another case
(or none) answers 404. A case note is edited by its author only: the builders make the
world's caseworker the author on own and assigned cases and the supervisor the author
on a colleague's case, so each role's 200 proves its scope and the other's 404 the
author rule.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import tests.access.cases  # noqa: F401  (registers the case builders)
from referral.cases.models.plan import FollowUpType, IssuingBody, OrderKind, PlanArea
from referral.cases.service import followup, notes, orders, plan
from referral.cases.service.common import today
from tests.access.cases import _case_url, _reader
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, Entry, builder, only

SCOPES = ("own", "assigned", "colleague", "other_org", "erased", "missing")
VISIBLE = ("own", "assigned", "colleague", "other_org")


def _writer(world, scope: str):
    """Who writes the records of a case of `scope` (see the module docstring)."""
    case = world.get(f"{scope}_case")
    if scope in ("own", "assigned"):
        return world.users["caseworker"], case
    if scope == "colleague":
        return world.users["supervisor"], case
    return case.owner, case


def _records(scope: str):
    @builder(f"plan_records:{scope}")
    def build(world):
        user, case = _writer(world, scope)
        item = plan.add_action_item(
            user,
            case,
            plan.ActionItemInput(PlanArea.HEALTH, "Goal", user.id, today() + timedelta(days=3)),
        )
        record = followup.add_follow_up(
            user,
            case,
            followup.FollowUpInput(today(), FollowUpType.PHONE, followup.ServicesReceived.YES),
        )
        order = orders.add_order(
            user, case, orders.OrderInput(OrderKind.TEMPORARY, IssuingBody.POLICE, today())
        )
        note = notes.add_note(user, case, "Note")
        return {"plan": item.id, "followups": record.id, "orders": order.id, "notes": note.id}

    return build


for _scope in VISIBLE:
    _records(_scope)


def _record_url(scope: str, kind: str, suffix: str):
    """The URL of a record of a case of `scope`; for an erased or missing case (or the
    `missing-record` scope) an id that names no record."""

    def url(world):
        visible = scope in VISIBLE
        record_id = world.get(f"plan_records:{scope}")[kind] if visible else uuid.uuid4()
        case_scope = "own" if scope == "missing-record" else scope
        return _case_url(case_scope, f"/{kind}/{record_id}{suffix}")(world)

    return url


def _with_owner(data: dict, scope: str):
    def build(world):
        owner = world.get(f"{scope}_case").owner_id if scope in VISIBLE else uuid.uuid4()
        return {**data, "owner_id": str(owner), "due_date": today().isoformat()}

    return build


def _day() -> str:
    return today().isoformat()


ITEM = {"area": "safety", "goal": "A goal", "progress": "in_progress"}
FOLLOW_UP = {"kind": "visit", "services_received": "no"}
ORDER = {"kind": "temporary", "issuing_body": "police", "status": "active"}
EDIT = {"lock_version": "1"}


def _dated(data: dict, name: str):
    return lambda world: {**data, name: _day()}


def _note_editor(scope: str, *, ok: int) -> dict:
    """Only the note's author reaches the edit page (see the module docstring)."""
    author = {
        "own": (ok, NOT_FOUND),
        "assigned": (ok, NOT_FOUND),
        "colleague": (NOT_FOUND, ok),
        "other_org": (NOT_FOUND, NOT_FOUND),
        "erased": (410, 410),
        "missing": (NOT_FOUND, NOT_FOUND),
    }[scope]
    return {"caseworker": author[0], "supervisor": author[1]}


# (endpoint, URL for a scope, POST data for a scope)
NEW = [
    ("cases.plan_new", lambda s: _case_url(s, "/plan/new"), lambda s: _with_owner(ITEM, s)),
    (
        "cases.followup_new",
        lambda s: _case_url(s, "/followups/new"),
        lambda s: _dated(FOLLOW_UP, "held_on"),
    ),
    (
        "cases.order_new",
        lambda s: _case_url(s, "/orders/new"),
        lambda s: _dated(ORDER, "issued_on"),
    ),
    ("cases.note_new", lambda s: _case_url(s, "/notes/new"), lambda s: {"text": "A note"}),
]
EDITS = [
    (
        "cases.plan_edit",
        lambda s: _record_url(s, "plan", "/edit"),
        lambda s: _with_owner({**ITEM, **EDIT}, s),
    ),
    (
        "cases.followup_edit",
        lambda s: _record_url(s, "followups", "/edit"),
        lambda s: _dated({**FOLLOW_UP, **EDIT}, "held_on"),
    ),
    (
        "cases.order_edit",
        lambda s: _record_url(s, "orders", "/edit"),
        lambda s: _dated({**ORDER, **EDIT}, "issued_on"),
    ),
    (
        "cases.order_violation",
        lambda s: _record_url(s, "orders", "/violations/new"),
        lambda s: _dated({"description": "He came"}, "occurred_on"),
    ),
]

ENTRIES = []
for _scope in SCOPES:
    for endpoint, url, data in NEW + EDITS:
        ENTRIES += [
            Entry(endpoint, url(_scope), only(_reader(_scope)), scope=_scope),
            Entry(
                endpoint,
                url(_scope),
                only(_reader(_scope, caseworker=REDIRECT, supervisor=REDIRECT), method="POST"),
                method="POST",
                scope=f"{_scope}-submit",
                data=data(_scope),
            ),
        ]
    ENTRIES += [
        # POST only: the "mark met" button of the case page.
        Entry(
            "cases.plan_met",
            _record_url(_scope, "plan", "/met"),
            only(_reader(_scope, caseworker=REDIRECT, supervisor=REDIRECT), method="POST"),
            method="POST",
            scope=f"{_scope}-submit",
            data=EDIT,
        ),
        Entry(
            "cases.note_edit",
            _record_url(_scope, "notes", "/edit"),
            only(_note_editor(_scope, ok=OK)),
            scope=_scope,
        ),
        Entry(
            "cases.note_edit",
            _record_url(_scope, "notes", "/edit"),
            only(_note_editor(_scope, ok=REDIRECT), method="POST"),
            method="POST",
            scope=f"{_scope}-submit",
            data={"text": "Changed", **EDIT},
        ),
    ]

# A record id that is not one of this (own) case's records: 404 for both case roles.
for endpoint, url in (
    ("cases.plan_edit", _record_url("missing-record", "plan", "/edit")),
    ("cases.followup_edit", _record_url("missing-record", "followups", "/edit")),
    ("cases.order_edit", _record_url("missing-record", "orders", "/edit")),
    ("cases.order_violation", _record_url("missing-record", "orders", "/violations/new")),
    ("cases.note_edit", _record_url("missing-record", "notes", "/edit")),
):
    ENTRIES.append(
        Entry(
            endpoint,
            url,
            only({"caseworker": NOT_FOUND, "supervisor": NOT_FOUND}),
            scope="missing-record",
        )
    )
ENTRIES.append(
    Entry(
        "cases.plan_met",
        _record_url("missing-record", "plan", "/met"),
        only({"caseworker": NOT_FOUND, "supervisor": NOT_FOUND}, method="POST"),
        method="POST",
        scope="missing-record-submit",
        data=EDIT,
    )
)
