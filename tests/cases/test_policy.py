"""Who may decrypt: scope of cases, and grants only from the policy."""

import copy
from dataclasses import replace

import pytest

from referral.auth.permissions import NO_CASE_ACCESS_ROLES, Role
from referral.cases import policy, service
from referral.cases.models import CaseStatus, ErasureReason
from referral.crypto import envelope, fields, grants
from referral.crypto.grants import GrantError
from referral.extensions import db
from tests import factories


def _open(user, name="Aigul Toktogulova", phone="0555 123 456"):
    return service.open_case(user, service.CaseInput(full_name=name, phone=phone, note="n"))


def test_caseworker_sees_own_cases_supervisor_sees_the_organisation():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    colleague = factories.UserFactory(role=Role.CASEWORKER, organisation=worker.organisation)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)
    outsider = factories.UserFactory(role=Role.SUPERVISOR)
    mine, theirs = _open(worker), _open(colleague, "Jyldyz Asanova")

    def visible(user):
        return set(db.session.execute(policy.visible_cases(user)).scalars())

    assert visible(worker) == {mine}
    assert visible(supervisor) == {mine, theirs}
    assert visible(outsider) == set()
    assert policy.get_case_for(worker, theirs.id) is None
    assert policy.get_case_for(worker, "not-a-uuid") is None
    assert policy.get_case_for(supervisor, theirs.id) is theirs
    with pytest.raises(GrantError):
        policy.grant_for(worker, theirs)
    with pytest.raises(GrantError):
        policy.grant_for(outsider, mine)


def test_grants_cannot_be_made_outside_the_policy():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    case = _open(worker)
    with pytest.raises(GrantError):
        grants.Grant(
            user_id=worker.id, case_id=case.id, units=grants.FIELD_UNITS, mode="write", issuer="x"
        )
    # The registry hands each policy's issuer out once: nobody can obtain it later.
    with pytest.raises(GrantError):
        grants.register_issuer("cases.policy")
    with pytest.raises(GrantError):
        grants.register_issuer("referral.tests")
    with pytest.raises(GrantError):
        grants.Issuer("cases.policy")
    assert "cases.policy" in grants.registered_issuers()


def test_a_read_grant_cannot_write_and_units_are_enforced():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    case = _open(worker)
    read = policy.grant_for(worker, case, {grants.NAME})
    with pytest.raises(GrantError):
        fields.write(case, "full_name", "Someone Else", read)
    write = policy.grant_for(worker, case, {grants.NAME}, grants.WRITE)
    fields.write(case, "full_name", "Aigul Changed", write)
    assert fields.read(case, "full_name", read) == "Aigul Changed"
    with pytest.raises(GrantError):  # the name unit does not open the phone
        fields.read(case, "phone", write)


def test_assigned_caseworker_reads_the_case_and_loses_it_when_unassigned():
    owner = factories.UserFactory(role=Role.CASEWORKER)
    helper = factories.UserFactory(role=Role.CASEWORKER, organisation=owner.organisation)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=owner.organisation)
    case = _open(owner)
    assert policy.get_case_for(helper, case.id) is None
    service.assign_case(supervisor, case, owner.id, [helper.id])
    assert policy.get_case_for(helper, case.id) is case
    assert policy.access_for(helper, case).can_edit
    service.assign_case(supervisor, case, owner.id, [])
    db.session.expire(case, ["assignments"])
    assert policy.get_case_for(helper, case.id) is None
    assert not policy.access_for(helper, case).visible
    # Reassigning the owner moves the case to the new caseworker.
    service.assign_case(supervisor, case, helper.id, [])
    assert policy.get_case_for(owner, case.id) is None
    assert policy.get_case_for(helper, case.id) is case


def test_only_a_supervisor_of_the_centre_assigns_and_only_to_its_staff():
    owner = factories.UserFactory(role=Role.CASEWORKER)
    other = factories.UserFactory(role=Role.CASEWORKER, organisation=owner.organisation)
    outsider = factories.UserFactory(role=Role.CASEWORKER)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=owner.organisation)
    case = _open(owner)
    with pytest.raises(GrantError):
        service.assign_case(owner, case, other.id, [])
    with pytest.raises(service.CaseError) as refused:
        service.assign_case(supervisor, case, outsider.id, [outsider.id])
    assert {field for field, _m in refused.value.errors} == {"owner_id", "assigned_ids"}


def test_the_list_scope_and_the_single_case_decision_agree():
    """One rule, two uses: for every user and case, SQL scope == access_for."""
    centre = factories.OrganisationFactory()
    workers = [factories.UserFactory(role=Role.CASEWORKER, organisation=centre) for _ in range(3)]
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=centre)
    users = [*workers, supervisor, factories.UserFactory(role=Role.SUPERVISOR)]
    users += [factories.UserFactory(role=r) for r in NO_CASE_ACCESS_ROLES | {Role.PROVIDER}]
    cases = [_open(w, f"Case Person{i}") for i, w in enumerate(workers)]
    service.assign_case(supervisor, cases[0], workers[0].id, [workers[1].id])
    service.erase_case(supervisor, cases[2], ErasureReason.SAFETY)
    checked = 0
    for user in users:
        listed = set(db.session.execute(policy.visible_cases(user)).scalars())
        for case in cases:
            assert (case in listed) == policy.access_for(user, case).visible, (user.role, case)
            checked += 1
    assert checked == len(users) * len(cases)


def test_a_closed_case_is_read_only_and_an_erased_one_unreadable():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)
    case = _open(worker)
    case.status = CaseStatus.CLOSED
    access = policy.access_for(worker, case)
    assert access.visible
    assert access.readable
    assert not access.can_edit
    with pytest.raises(GrantError):
        policy.grant_for(worker, case, {grants.NAME}, grants.WRITE)
    assert fields.read(case, "full_name", policy.grant_for(worker, case, {grants.NAME}))
    service.erase_case(supervisor, case, ErasureReason.SAFETY)
    assert policy.access_for(worker, case).readable == frozenset()
    with pytest.raises(GrantError):
        policy.grant_for(worker, case, {grants.NAME})


def test_a_grant_covers_one_case_and_its_units_only():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    a, b = _open(worker), _open(worker, "Jyldyz Asanova")
    grant_a = policy.grant_for(worker, a)
    assert fields.read(a, "full_name", grant_a) == "Aigul Toktogulova"
    with pytest.raises(GrantError):
        fields.read(b, "full_name", grant_a)
    name_only = policy.grant_for(worker, a, frozenset({grants.NAME}))
    with pytest.raises(GrantError):
        fields.read(a, "note", name_only)


def test_a_page_grant_opens_the_cases_decided_for_it_and_no_other():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    colleague = factories.UserFactory(role=Role.CASEWORKER, organisation=worker.organisation)
    a, b = _open(worker), _open(worker, "Jyldyz Asanova")
    left_out = _open(worker, "Nurila Bekova")
    theirs = _open(colleague, "Cholpon Sadykova")
    # A case the policy refuses is left out of the page grant, not granted with the rest.
    grant = policy.page_grant(worker, [a, b, theirs], {grants.NAME})
    assert grant.case_ids == {a.id, b.id}
    assert fields.read(a, "full_name", grant) == "Aigul Toktogulova"
    assert fields.read(b, "full_name", grant) == "Jyldyz Asanova"
    refused = []
    for action in (
        lambda: fields.read(left_out, "full_name", grant),  # visible, but not on the page
        lambda: fields.read(theirs, "full_name", grant),  # another caseworker's case
        lambda: fields.read(a, "note", grant),  # another unit
        lambda: fields.write(a, "full_name", "Someone Else", grant),  # read only
        lambda: fields.remember_dek(grant, b"\x00" * 32, 1),  # one case's key only
    ):
        with pytest.raises(GrantError):
            action()
        refused.append(action)
    # Widened after minting, by either way round the frozen dataclass: the seal refuses.
    for changes in ({"case_ids": grant.case_ids | {left_out.id}}, {"case_id": left_out.id}):
        forced = copy.copy(grant)
        for attr, value in changes.items():
            object.__setattr__(forced, attr, value)
        with pytest.raises(GrantError):
            fields.read(left_out, "full_name", forced)
        refused.append(forced)
    assert len(refused) == 7
    assert policy.page_grant(worker, [theirs], {grants.NAME}) is None
    auditor = factories.UserFactory(role=Role.AUDITOR, organisation=worker.organisation)
    assert policy.page_grant(auditor, [a, b], {grants.NAME}) is None


def test_a_column_read_for_a_page_opens_each_row_as_a_field_read_would():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    colleague = factories.UserFactory(role=Role.CASEWORKER, organisation=worker.organisation)
    a, b = _open(worker), _open(worker, "Jyldyz Asanova")
    left_out = _open(worker, "Nurila Bekova")
    theirs = _open(colleague, "Cholpon Sadykova")
    grant = policy.page_grant(worker, [a, b, theirs], {grants.NAME})
    assert fields.read_column([a, b], "full_name", grant) == [
        "Aigul Toktogulova",
        "Jyldyz Asanova",
    ]
    assert fields.read_column([], "full_name", grant) == []
    # One row the grant does not cover refuses the whole column before anything opens.
    before = envelope.COUNTERS["field_decrypt"]
    for rows, name, used in (
        ([a, left_out], "full_name", grant),
        ([theirs, a], "full_name", grant),
        ([a, b], "note", grant),
        ([a, b], "full_name", policy.page_grant(colleague, [theirs], {grants.NAME})),
        ([a, b], "full_name", None),
    ):
        with pytest.raises(GrantError):
            fields.read_column(rows, name, used)
    assert envelope.COUNTERS["field_decrypt"] == before
    # A value moved to another row fails there, naming the row and column, not the value.
    b.full_name_ct = a.full_name_ct
    with pytest.raises(envelope.DecryptionError) as failed:
        fields.read_column([a, b], "full_name", grant)
    assert (failed.value.reason, failed.value.row_id, failed.value.column) == (
        "tag",
        b.id,
        "full_name_ct",
    )
    assert "Aigul" not in str(failed.value)


def test_a_grant_cannot_be_copied_to_another_case_user_or_wider_groups():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)
    a, b = _open(worker), _open(worker, "Jyldyz Asanova")
    grant = policy.grant_for(worker, a, frozenset({grants.NAME}), grants.WRITE)
    assert fields.read(a, "full_name", grant) == "Aigul Toktogulova"
    assert fields.read(a, "full_name", copy.copy(grant)) == "Aigul Toktogulova"  # unchanged
    refused = []

    def refuses(action, *args):
        with pytest.raises(GrantError):
            action(*args)
        refused.append(action)

    attempts = [
        (b, "full_name", {"case_id": b.id}),
        (b, "full_name", {"case_id": b.id, "user_id": supervisor.id}),
        (a, "full_name", {"user_id": supervisor.id}),
        (a, "full_name", {"user_id": grants.SYSTEM_USER_ID}),
        (a, "note", {"units": grants.FIELD_UNITS}),
        (a, "full_name", {"mode": "admin"}),
    ]
    for case, name, changes in attempts:
        refuses(lambda c=case, n=name, ch=changes: fields.read(c, n, replace(grant, **ch)))
        # The same change forced onto a copy, past the frozen dataclass: the seal no
        # longer matches the contents.
        forced = copy.copy(grant)
        for attr, value in changes.items():
            object.__setattr__(forced, attr, value)
        refuses(fields.read, case, name, forced)
        refuses(fields.write, case, name, "Someone Else", forced)
    # A grant built by hand, even with a seal taken from a real grant.
    refuses(grants.Grant, worker.id, b.id, grants.FIELD_UNITS, "write", "cases.policy")
    forged = object.__new__(grants.Grant)
    attrs = [("user_id", worker.id), ("case_id", b.id), ("units", grant.units), ("mode", "read")]
    for attr, value in attrs:
        object.__setattr__(forged, attr, value)
    refuses(fields.read, b, "full_name", forged)  # no seal at all
    object.__setattr__(forged, "_seal", grant._seal)
    refuses(fields.read, b, "full_name", forged)
    refuses(fields.remember_dek, forged, b"\x00" * 32, 1)
    assert fields.read(b, "full_name", policy.grant_for(worker, b)) == "Jyldyz Asanova"
    assert fields.read(a, "full_name", grant) == "Aigul Toktogulova"
    print(f"[security] forged or re-targeted grants: {len(refused)}/22 refused")
    assert len(refused) == 22


@pytest.mark.parametrize("role", sorted(NO_CASE_ACCESS_ROLES))
def test_roles_without_case_access_cause_zero_decryptions(role):
    """Every service function called as admin, auditor or committee member, on real
    cases: no grant is issued and nothing is decrypted."""
    worker = factories.UserFactory(role=Role.CASEWORKER)
    cases = [_open(worker), _open(worker, "Jyldyz Asanova", "0700 111 222")]
    # The same organisation as the cases: the role alone must stop them.
    user = factories.UserFactory(role=Role(role), organisation=worker.organisation)
    fields.forget_deks()
    before = dict(envelope.COUNTERS)
    calls = {
        "list_cases": lambda: service.list_cases(user),
        "search_cases(name)": lambda: service.search_cases(user, "Aigul Toktogulova"),
        "search_cases(phone)": lambda: service.search_cases(user, "0555123456"),
        "read_case": lambda: service.read_case(user, cases[0]),
        "update_case": lambda: service.update_case(
            user, cases[0], service.CaseInput(full_name="X Y"), cases[0].lock_version
        ),
        "erase_case": lambda: service.erase_case(user, cases[1], ErasureReason.SAFETY),
        "open_case": lambda: service.open_case(user, service.CaseInput(full_name="New Person")),
        "grant_for": lambda: policy.grant_for(user, cases[0]),
        "get_case_for": lambda: policy.get_case_for(user, cases[0].id),
    }
    outcomes = {}
    for name, call in calls.items():
        try:
            result = call()
            outcomes[name] = "empty" if not result or result in ([], 0) else repr(result)
        except GrantError:
            outcomes[name] = "refused"
    after = dict(envelope.COUNTERS)
    decrypted = after.get("field_decrypt", 0) - before.get("field_decrypt", 0)
    unwrapped = after.get("dek_unwrap", 0) - before.get("dek_unwrap", 0)
    issued = after.get("grant_issued", 0) - before.get("grant_issued", 0)
    print(
        f"[security] {role}: {len(calls)} service calls, {issued} grants, "
        f"{unwrapped} key unwraps, {decrypted} decryptions"
    )
    assert (issued, unwrapped, decrypted) == (0, 0, 0)
    assert service.list_cases(user).rows == []
    assert outcomes["read_case"] == "refused"
    assert outcomes["get_case_for"] == "empty"
    assert service.search_cases(user, "Aigul Toktogulova").cases == []
