"""Committees and pathways: every endpoint x role x scope.

Scopes: `own` (the committee-member user coordinates it), `member` (they are a plain
member of it), `other` (no tie), `national` (the national default pathway, pathway
endpoints only), `missing` (no such id). Everyone with COMMITTEE_READ reads everything;
only the coordinator (own committee) and admins edit; a plain member asking to edit
gets 403 (see referral/committees/policy.py); admins alone manage committees.
"""

from __future__ import annotations

from referral.auth.permissions import Role
from referral.committees import service
from referral.committees.models import MemberAgency, VersionStatus
from referral.directory.models import OrganisationType, ServiceType
from tests import factories
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, ROLES, Entry, builder, only

MISSING = "00000000-0000-0000-0000-000000000000"
READERS = ("caseworker", "supervisor", "provider", "committee_member", "admin")
COMMITTEE_SCOPES = ("own", "member", "other", "missing")
PATHWAY_SCOPES = (*COMMITTEE_SCOPES, "national")


def _pathway_with_draft(pathway):
    """A published version 1 and a draft 2, each with two steps; the draft's first step
    has a preferred provider."""
    factories.version_with_steps(
        pathway, ServiceType.CRISIS_CENTRE, ServiceType.POLICE_DISTRICT_INSPECTOR
    )
    draft = factories.version_with_steps(
        pathway,
        ServiceType.CRISIS_CENTRE,
        ServiceType.POLICE_DISTRICT_INSPECTOR,
        status=VersionStatus.DRAFT,
    )
    factories.PathwayStepProviderFactory(
        step=draft.steps[0],
        organisation=factories.OrganisationFactory(org_type=OrganisationType.HEALTH),
    )
    return draft


def _ids(pathway, draft, committee=None, member=None) -> dict:
    return {
        "committee": committee.id if committee else MISSING,
        "pathway": pathway.id,
        "member": member.id if member else MISSING,
        "step": draft.steps[0].id,
        "provider": draft.steps[0].providers[0].organisation_id,
    }


def _committee_scope(world, *, coordinator=None, plain_member=None):
    committee = factories.CommitteeFactory(coordinator=coordinator)
    for user in {coordinator, plain_member} - {None}:
        factories.CommitteeMemberFactory(committee=committee, user=user, full_name="")
    person = factories.CommitteeMemberFactory(
        committee=committee, agency=MemberAgency.WOMEN_COUNCIL
    )
    draft = _pathway_with_draft(committee.pathway)
    return _ids(committee.pathway, draft, committee, person)


# One builder per scope, so that a cell builds only the objects its URL names.
@builder("committees:own")
def _own(world):
    return _committee_scope(world, coordinator=world.users["committee_member"])


@builder("committees:member")
def _member(world):
    other_coordinator = factories.UserFactory(
        role=Role.COMMITTEE_MEMBER, organisation=world.orgs["committee"]
    )
    return _committee_scope(
        world, coordinator=other_coordinator, plain_member=world.users["committee_member"]
    )


@builder("committees:other")
def _other(world):
    return _committee_scope(world)


@builder("committees:national")
def _national(world):
    national = service.national_pathway()
    return _ids(national, _pathway_with_draft(national))


@builder("committees:missing")
def _missing(world):
    return dict.fromkeys(("committee", "pathway", "member", "step", "provider"), MISSING)


def _expect(kind: str, scope: str, status: int, method: str) -> dict:
    if kind == "read":
        allowed = dict.fromkeys(READERS, NOT_FOUND if scope == "missing" else status)
    elif kind == "edit":
        allowed = {"admin": status}
        if scope == "own":
            allowed["committee_member"] = status
        if scope == "missing":
            allowed = {"admin": NOT_FOUND, "committee_member": NOT_FOUND}
    else:  # manage
        allowed = {"admin": NOT_FOUND if scope == "missing" else status}
    expect = only(allowed, method=method)
    assert set(expect) == set(ROLES)
    return expect


def _entries(endpoint, path, kind, *, scopes, method="GET", status=None, data=None):
    status = status or (OK if method == "GET" else REDIRECT)
    entries = []
    for scope in scopes:

        def url(world, scope=scope):
            return path.format(**world.get(f"committees:{scope}"))

        entries.append(
            Entry(
                endpoint,
                url,
                _expect(kind, scope, status, method),
                method=method,
                scope=scope,
                data=data,
            )
        )
    return entries


C = "/committees/{committee}"
P = "/committees/pathways/{pathway}"
S = P + "/draft/steps/{step}"


def _provider_data(world):
    return {"organisation_id": str(world.orgs["police"].id)}


ENTRIES = [
    Entry("committees.index", "/committees/", only(dict.fromkeys(READERS, OK))),
    Entry("committees.new", "/committees/new", only({"admin": OK})),
    *_entries("committees.detail", C, "read", scopes=COMMITTEE_SCOPES),
    *_entries("committees.edit", C + "/edit", "manage", scopes=COMMITTEE_SCOPES),
    *_entries("committees.members", C + "/members", "manage", scopes=COMMITTEE_SCOPES),
    *_entries(
        "committees.end_membership",
        C + "/members/{member}/end",
        "manage",
        scopes=COMMITTEE_SCOPES,
        method="POST",
    ),
    *_entries("committees.new_activity", C + "/activities/new", "edit", scopes=COMMITTEE_SCOPES),
    *_entries("committees.pathway", P, "read", scopes=PATHWAY_SCOPES),
    *_entries("committees.pathway_print", P + "/print", "read", scopes=PATHWAY_SCOPES),
    *_entries("committees.draft", P + "/draft", "edit", scopes=PATHWAY_SCOPES),
    *_entries(
        "committees.start_draft", P + "/draft/start", "edit", scopes=PATHWAY_SCOPES, method="POST"
    ),
    *_entries(
        "committees.add_step",
        P + "/draft/steps",
        "edit",
        scopes=PATHWAY_SCOPES,
        method="POST",
        data={"service_type": "legal_aid_ngo", "target_hours": "72"},
    ),
    *_entries("committees.edit_step", S, "edit", scopes=PATHWAY_SCOPES),
    *_entries(
        "committees.move_step",
        S + "/move",
        "edit",
        scopes=PATHWAY_SCOPES,
        method="POST",
        data={"direction": "down"},
    ),
    *_entries(
        "committees.remove_step", S + "/remove", "edit", scopes=PATHWAY_SCOPES, method="POST"
    ),
    *_entries(
        "committees.add_provider",
        S + "/providers",
        "edit",
        scopes=PATHWAY_SCOPES,
        method="POST",
        data=_provider_data,
    ),
    *_entries(
        "committees.remove_provider",
        S + "/providers/{provider}/remove",
        "edit",
        scopes=PATHWAY_SCOPES,
        method="POST",
    ),
    *_entries(
        "committees.publish", P + "/draft/publish", "edit", scopes=PATHWAY_SCOPES, method="POST"
    ),
    *_entries(
        "committees.discard_draft",
        P + "/draft/discard",
        "edit",
        scopes=PATHWAY_SCOPES,
        method="POST",
    ),
]
