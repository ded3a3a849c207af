"""Mass assignment: the POST forms that change a case, a consent, an incident, a
referral, a user account and an organisation, submitted as the page offers them plus
fields the form does not have (owner, organisation, role, status, case and referral ids,
shared fields, activity flags), change nothing beyond what the form allows.

The first tests load a page, submit its form with every value as shown, one allowed
change and the extra fields, then compare every column of the stored rows before and
after: only the listed columns may differ.

The sweep (tests/access/mass_assignment.py) covers every form that writes survivor,
referral or account data, and the directory's: each form the access matrix submits
successfully, with the matrix's values, and the forms the matrix only ever sees
refused, brought here to a state where they succeed. Each is submitted twice from the
same world, without and with the extra fields, and every table (the audit trail aside)
must end the same. Prints `[security] mass assignment: N forms, M extra fields, 0
changed` at the end of the run (tests/conftest.py)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

import tests.access
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models import (
    AttachmentKind,
    Case,
    ClosureCheck,
    ClosureReason,
    Consent,
    ConsentDecision,
    ConsentGiver,
    ConsentKind,
    ConsentMethod,
)
from referral.cases.service import attachments, closure, consent, incidents
from referral.cases.service.common import today
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals.models import ReferralStatus
from referral.referrals.service import lifecycle
from tests import factories
from tests.access import mass_assignment as sweep
from tests.access.mass_assignment import form_of
from tests.access.matrix import World, builder
from tests.access.referrals import send
from tests.conftest import TEST_PASSWORD
from tests.helpers import release
from tests.referrals import test_caseworker_proposals as proposals_world

OTHER_ID = sweep.OTHER_ID


def extras(world_ids: dict) -> dict:
    return sweep.hostile_fields(world_ids["user"], world_ids["org"], world_ids["case"])


def submit(browser, url: str, data: dict, extra: dict):
    """Post the form with the extra fields the form does not have."""
    added = {k: v for k, v in extra.items() if k not in data}
    assert added, "every extra field is a field of this form"
    response = browser.post(url, {**data, **added})
    errors = re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert response.status_code == 302, (response.status_code, errors)
    return response


def columns(row) -> dict:
    db.session.expire_all()
    row = db.session.get(type(row), row.id)
    return {attr.key: getattr(row, attr.key) for attr in sa.inspect(type(row)).column_attrs}


def changed(before: dict, after: dict) -> set[str]:
    return {key for key in before if before[key] != after[key]}


def _world():
    crisis = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    other = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    worker = factories.UserFactory(role=Role.CASEWORKER, organisation=crisis)
    stranger = factories.UserFactory(role=Role.CASEWORKER, organisation=other)
    theirs = cases.open_case(stranger, cases.CaseInput(full_name="Other Case"))
    db.session.flush()
    ids = {"user": str(stranger.id), "org": str(other.id), "case": str(theirs.id)}
    return worker, theirs, ids


def _case(worker):
    case = cases.open_case(worker, cases.CaseInput(full_name="Aigul Toktogulova", phone=""))
    db.session.flush()
    return case


CIPHERTEXT = {attr.key for attr in sa.inspect(Case).column_attrs if attr.key.endswith("_ct")}


def _plain(user, case) -> dict:
    db.session.expire_all()
    detail = cases.read_case(user, db.session.get(Case, case.id))
    return {k: v for k, v in vars(detail).items() if not k.startswith("_")}


def test_editing_a_case_changes_only_its_fields(make_browser):
    worker, theirs, ids = _world()
    case = _case(worker)
    browser = make_browser()
    browser.sign_in(worker)
    url = f"/cases/{case.id}/edit"
    data = form_of(browser, url)
    data["full_name"] = ["Aigul Changed"]
    before, other_before, shown = columns(case), columns(theirs), _plain(worker, case)
    submit(browser, url, data, extras(ids))
    after = columns(case)
    # A save seals every field anew (fresh nonces): the ciphertexts all differ, so the
    # values are compared decrypted.
    assert changed(before, after) - CIPHERTEXT <= {"lock_version", "updated_at"}
    assert changed(shown, _plain(worker, case)) - {"lock_version", "updated_at"} == {"full_name"}
    assert changed(other_before, columns(theirs)) == set()


def test_recording_consent_writes_one_row_of_this_case_by_this_user(make_browser):
    worker, _theirs, ids = _world()
    case = _case(worker)
    browser = make_browser()
    browser.sign_in(worker)
    url = f"/cases/{case.id}/consent/new"
    data = form_of(browser, url)
    data.update(kind=["services"], decision=["given"], given_by=["survivor"], method=["verbal"])
    data["mandatory_reporting_explained"] = ["y"]
    data["given_on"] = [today().isoformat()]
    before = columns(case)
    submit(browser, url, data, extras(ids))
    rows = db.session.execute(select(Consent)).scalars().all()
    assert [(r.case_id, r.recorded_by_id, r.kind.value, r.decision.value) for r in rows] == [
        (case.id, worker.id, "services", "given")
    ]
    assert str(rows[0].id) != OTHER_ID
    assert changed(before, columns(case)) <= {"lock_version", "updated_at"}


def test_editing_an_incident_keeps_it_on_its_case(make_browser):
    worker, _theirs, ids = _world()
    case = _case(worker)
    incident = incidents.add_incident(
        worker,
        case,
        incidents.IncidentInput(incident_date=date(2026, 1, 5), q_penetration=True),
    )
    db.session.flush()
    browser = make_browser()
    browser.sign_in(worker)
    url = f"/cases/{case.id}/incidents/{incident.id}/edit"
    data = form_of(browser, url)
    data["previous_incidents"] = ["y"]
    before = columns(incident)
    submit(browser, url, data, extras(ids))
    assert changed(before, columns(incident)) <= {
        "previous_incidents",
        "narrative_ct",  # sealed anew on every save, like every encrypted field
        "lock_version",
        "updated_at",
    }
    assert columns(incident)["case_id"] == case.id


def test_a_providers_step_sets_only_that_step(make_browser):
    world = World.build()
    referral = send(world, world.orgs["police"])
    _worker, _theirs, ids = _world()
    officer = world.users["provider"]
    browser = make_browser()
    browser.sign_in(officer)
    page = f"/referrals/{referral.id}"
    action = f"/referrals/{referral.id}/provider/decline"
    data = form_of(browser, page, action)
    data["decline_reason"] = [data.get("decline_reason", [""])[0] or "service_unavailable"]
    before = columns(referral)
    submit(browser, action, data, extras(ids))
    after = columns(referral)
    assert after["status"].value == "declined"
    assert changed(before, after) <= {
        "status",
        "decline_reason",
        "responded_at",
        "closed_at",
        "feedback_ct",
        "lock_version",
        "updated_at",
    }
    assert after["shared_items"] == before["shared_items"]


def test_editing_an_account_changes_only_what_the_form_shows(make_browser):
    admin = factories.UserFactory(role=Role.ADMIN)
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    officer = factories.UserFactory(role=Role.PROVIDER, organisation=police)
    _worker, _theirs, ids = _world()
    browser = make_browser()
    browser.sign_in(admin)
    url = f"/admin/users/{officer.id}"
    data = form_of(browser, url)
    data["full_name"] = ["Officer Renamed"]
    before = columns(officer)
    submit(browser, url, data, extras(ids))
    assert changed(before, columns(officer)) <= {"full_name", "updated_at"}
    assert "full_name" in changed(before, columns(officer))


def test_a_provider_editing_their_organisation_changes_only_its_entry(make_browser):
    police = factories.OrganisationFactory(
        org_type=OrganisationType.POLICE, location_id=factories.LocationFactory().id
    )
    officer = factories.UserFactory(role=Role.PROVIDER, organisation=police)
    _worker, _theirs, ids = _world()
    browser = make_browser()
    browser.sign_in(officer)
    url = f"/directory/organisations/{police.id}/edit"
    data = form_of(browser, url)
    data["website"] = ["https://police.example.kg"]
    before = columns(police)
    submit(browser, url, data, extras(ids))
    assert changed(before, columns(police)) <= {"website", "updated_at"}
    assert columns(police)["website"] == "https://police.example.kg"


# --- the sweep: every form the access matrix submits successfully, and more -----------

_MATRIX_MODULES = [
    importlib.import_module(f"tests.access.{m.name}")
    for m in pkgutil.iter_modules(tests.access.__path__)
    if not m.name.startswith(("test_", "matrix", "mass_"))
]
# Forms that write nothing a field could be aimed at: signing out ends the session.
NOT_SUBMITTED = {"auth.logout": "ends the session; it reads no field"}


def _matrix_forms() -> list[sweep.Form]:
    """Each endpoint the matrix posts to with an answer of success (302), once for each
    role that succeeds, with the matrix's own valid values."""
    forms, seen = [], set()
    for module in _MATRIX_MODULES:
        for entry in getattr(module, "ENTRIES", []):
            if entry.method != "POST" or entry.endpoint in NOT_SUBMITTED:
                continue
            for role, status in entry.expect.items():
                if role == "anonymous" or status != 302 or (entry.endpoint, role) in seen:
                    continue
                seen.add((entry.endpoint, role))
                forms.append(sweep.Form(entry.endpoint, role, entry.build_url, entry.build_data))
    return forms


# Fields that the form has although the matrix's values leave them out: the form
# offers its own choices for them and refuses others (422).
FIELDS_OF_THE_FORM = {"referrals.transfer_accept": {"owner_id"}}


# Forms the matrix posts only in ways that are refused (it must not change the world for
# the next cell), here brought to a state where they succeed.


def _own(world):
    return world.get("own_case")


def _consented(world):
    """The own case with her consent to services, given, so that it can be withdrawn."""
    case = _own(world)
    consent.record_consent(
        world.users["caseworker"],
        case,
        consent.ConsentInput(
            kind=ConsentKind.SERVICES,
            decision=ConsentDecision.GIVEN,
            given_by=ConsentGiver.SURVIVOR,
            method=ConsentMethod.VERBAL,
        ),
        consent.history_version(case),
    )
    db.session.flush()
    return f"/cases/{case.id}/consent/services/withdraw"


def _sendable(world):
    """A case living in an area a police service covers, with consent to release to it."""
    where = proposals_world.places()
    police = proposals_world.provider(area=where.rayon)
    worker = world.users["caseworker"]
    case = proposals_world.open_case(
        worker, where.rayon, consent_to=(ServiceType.POLICE_INTERNAL_AFFAIRS,)
    )
    world._objects["sendable"] = police
    return f"/referrals/cases/{case.id}/new"


def _send_values(world):
    return {
        "service_type": "police_internal_affairs",
        "to_org_id": str(world.get("sendable").org.id),
        "urgency": "urgent",
        "shared_items": ["name", "safe_contact", "narrative", "address"],
        "summary": "She needs protection tonight.",
    }


def _movable(world):
    case = _own(world)
    release(world.users["caseworker"], case, (ServiceType.CRISIS_CENTRE,))
    return f"/referrals/cases/{case.id}/transfer"


def _move_values(world):
    return {
        "to_org_id": str(world.orgs["other_crisis"].id),
        "urgency": "urgent",
        "shared_items": ["name", "age", "risk"],
        "summary": "She moves to the capital.",
    }


def _referral_at(*steps: ReferralStatus, path: str):
    def url(world):
        referral = world.get("to_me_referral")
        for step in steps:
            extra = {}
            if step == ReferralStatus.APPOINTMENT_SCHEDULED:
                extra["appointment_at"] = datetime.now(UTC) + timedelta(days=2)
            lifecycle.provider_step(
                world.users["provider"], referral, step, referral.lock_version, **extra
            )
            db.session.flush()
        return f"/referrals/{referral.id}{path}"

    return url


def _version_of_referral(world, **fields):
    return {"lock_version": str(world.get("to_me_referral").lock_version), **fields}


def _closing(world):
    case = _own(world)
    closure.request_closure(
        world.users["caseworker"],
        case,
        closure.ClosureRequestInput(reason=ClosureReason.NEEDS_MET, checklist=tuple(ClosureCheck)),
        case.lock_version,
    )
    db.session.flush()
    return f"/cases/{case.id}/closure/review"


def _closed(world):
    url = _closing(world)
    case = _own(world)
    closure.approve_closure(world.users["supervisor"], case, case.lock_version)
    db.session.flush()
    return url.replace("/closure/review", "/reopen")


def _user_url(key: str, suffix: str = ""):
    return lambda world: f"/admin/users/{world.users[key].id}{suffix}"


def _case_page(suffix: str):
    return lambda world: f"/cases/{_own(world).id}{suffix}"


EXTRA_FORMS = [
    sweep.Form(
        "cases.consent_withdraw",
        "caseworker",
        _consented,
        {"confirmed": "y"},
        page=lambda world: f"/cases/{_own(world).id}/consent/services/withdraw",
    ),
    sweep.Form("referrals.new", "caseworker", _sendable, _send_values),
    sweep.Form("referrals.transfer_new", "caseworker", _movable, _move_values),
    sweep.Form(
        "referrals.provider_appointment",
        "provider",
        _referral_at(ReferralStatus.ACCEPTED, path="/provider/appointment"),
        lambda w: _version_of_referral(w, appointment_date="2099-01-02", appointment_time="10:00"),
    ),
    sweep.Form(
        "referrals.provider_provided",
        "provider",
        _referral_at(ReferralStatus.ACCEPTED, path="/provider/provided"),
        _version_of_referral,
    ),
    sweep.Form(
        "referrals.provider_complete",
        "provider",
        _referral_at(
            ReferralStatus.ACCEPTED, ReferralStatus.SERVICE_PROVIDED, path="/provider/complete"
        ),
        _version_of_referral,
    ),
    sweep.Form(
        "referrals.complete",
        "caseworker",
        _referral_at(ReferralStatus.ACCEPTED, ReferralStatus.SERVICE_PROVIDED, path="/complete"),
        _version_of_referral,
    ),
    sweep.Form(
        "cases.closure_request",
        "caseworker",
        _case_page("/closure/request"),
        {"reason": "needs_met", "checklist": [c.value for c in ClosureCheck]},
        page=_case_page("/closure/request"),
    ),
    sweep.Form(
        "cases.closure_review",
        "supervisor",
        _closing,
        {"decision": "approve"},
        page=lambda world: f"/cases/{_own(world).id}/closure/review",
    ),
    sweep.Form(
        "cases.reopen",
        "supervisor",
        _closed,
        {"reason": "other"},
        page=lambda world: f"/cases/{_own(world).id}/reopen",
    ),
    sweep.Form(
        "users.new",
        "supervisor",
        lambda w: "/admin/users/new",
        lambda w: {
            "username": "new.worker",
            "full_name": "New Worker",
            "role": "caseworker",
            "organisation_id": str(w.orgs["crisis"].id),
            "email": "",
            "locale": "ru",
        },
        expected=200,
    ),
    sweep.Form(
        "users.new",
        "admin",
        lambda w: "/admin/users/new",
        lambda w: {
            "username": "new.officer",
            "full_name": "New Officer",
            "role": "provider",
            "organisation_id": str(w.orgs["police"].id),
            "email": "",
            "locale": "ru",
        },
        expected=200,
    ),
    sweep.Form(
        "users.edit",
        "supervisor",
        _user_url("caseworker"),
        {"full_name": "Renamed Worker"},
        page=_user_url("caseworker"),
    ),
    sweep.Form(
        "users.edit",
        "admin",
        _user_url("provider"),
        {"full_name": "Renamed Officer"},
        page=_user_url("provider"),
    ),
    sweep.Form(
        "users.reset_password",
        "supervisor",
        _user_url("caseworker", "/reset-password"),
        expected=200,
    ),
    sweep.Form(
        "auth.change_password",
        "caseworker",
        lambda w: "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "a much longer passphrase 42",
            "confirm_password": "a much longer passphrase 42",
        },
    ),
    sweep.Form(
        "cases.edit",
        "caseworker",
        _case_page("/edit"),
        {"full_name": "Aigul Changed"},
        page=_case_page("/edit"),
    ),
]


def _erasable(world):
    return f"/cases/{_own(world).id}/erase"


def _own_session(world):
    from referral.auth import service as accounts

    accounts.start_session(world.users["caseworker"])
    db.session.flush()
    return f"/account/sessions/{accounts.live_sessions(world.users['caseworker'])[0].id}/end"


@builder("ma:attachment")
def _attachment(world):
    case = _own(world)
    data = attachments.AttachmentInput(AttachmentKind.OTHER, "scan.pdf", b"%PDF-1.4\n%%EOF\n")
    return f"/cases/{case.id}/attachments/{attachments.add_attachment(case.owner, case, data).id}"


def _info_page(world):
    """A "know your rights" page (the migration ships the starter pages)."""
    from referral.info import service as info

    return f"/info/{info.list_pages()[0].slug}/edit"


def _placed_police(world):
    """The world's police, placed in an area (the form requires one)."""
    police = world.orgs["police"]
    if police.location_id is None:
        police.location_id = factories.LocationFactory().id
        db.session.flush()
    return f"/directory/organisations/{police.id}/edit"


MORE_FORMS = [
    sweep.Form(
        "cases.erase",
        "supervisor",
        _erasable,
        lambda w: {
            "reason": "survivor_request",
            "understood": "y",
            "confirm_code": _own(w).case_code,
        },
        page=_erasable,
    ),
    sweep.Form(
        "cases.attachment_new",
        "caseworker",
        lambda w: f"/cases/{_own(w).id}/attachments/new",
        {"kind": "other", "file": sweep.Upload("scan.pdf", b"%PDF-1.4\n%%EOF\n")},
        page=lambda w: f"/cases/{_own(w).id}/attachments/new",
    ),
    sweep.Form(
        "info.edit",
        "admin",
        _info_page,
        {"body_en": "Help is free and confidential. Edited."},
        page=_info_page,
    ),
    sweep.Form(
        "cases.attachment_delete",
        "caseworker",
        lambda w: w.get("ma:attachment") + "/delete",
        {"understood": "y"},
        page=lambda w: w.get("ma:attachment") + "/delete",
    ),
    sweep.Form(
        "cases.feedback",
        "caseworker",
        lambda w: "/cases/feedback",
        {"felt_safe": "yes"},
        page=lambda w: "/cases/feedback",
    ),
    sweep.Form("auth.end_session", "caseworker", _own_session),
    sweep.Form(
        "directory.organisation_edit",
        "provider",
        _placed_police,
        {"website": "https://police.example.kg"},
        page=_placed_police,
    ),
    sweep.Form(
        "directory.service_edit",
        "provider",
        lambda w: f"/directory/services/{w.get('own_service').id}/edit",
        page=lambda w: f"/directory/services/{w.get('own_service').id}/edit",
    ),
    sweep.Form(
        "directory.site_edit",
        "provider",
        lambda w: f"/directory/sites/{w.get('own_site').id}/edit",
        page=lambda w: f"/directory/sites/{w.get('own_site').id}/edit",
    ),
]


FORMS = _matrix_forms() + EXTRA_FORMS + MORE_FORMS


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.id)
def test_fields_a_form_does_not_have_change_nothing(app, request, form):
    world = World.build()
    url = form.url(world)
    data = form.data(world) if callable(form.data) else dict(form.data)
    page = form.page(world) if form.page else None
    added = {
        name: value
        for name, value in sweep.extras(world).items()
        if name not in FIELDS_OF_THE_FORM.get(form.endpoint, ())
    }
    user_id = world.users[form.role].id
    db.session.commit()
    connection = db.session.get_bind()
    db.session.remove()
    status, plain, _ = sweep.submit(app, connection, user_id, url, data, page)
    assert status == form.expected, f"the form itself was refused: {status}"
    status, tampered, count = sweep.submit(app, connection, user_id, url, data, page, added)
    found = sweep.differences(plain, tampered)
    request.node.user_properties.append(("mass_assignment", (form.endpoint, count, len(found))))
    assert status == form.expected
    assert found == []


@pytest.mark.parametrize(
    ("form", "changed_table"),
    [
        (next(f for f in FORMS if f.id == "cases.edit-caseworker"), "cases"),
        (next(f for f in FORMS if f.id == "users.edit-admin"), "users"),
    ],
    ids=lambda value: getattr(value, "id", value),
)
def test_the_sweep_sees_a_field_the_form_does_change(app, form, changed_table):
    """The comparison is not blind: the same form with one of its own fields given
    another value (a sealed name of another length, a plain name) differs."""
    world = World.build()
    url = form.url(world)
    page = form.page(world) if form.page else None
    data = form.data(world) if callable(form.data) else dict(form.data)
    user_id = world.users[form.role].id
    db.session.commit()
    connection = db.session.get_bind()
    db.session.remove()
    one = {**data, "full_name": "Aigul A"}
    _, plain, _ = sweep.submit(app, connection, user_id, url, one, page)
    _, other, _ = sweep.submit(
        app, connection, user_id, url, {**one, "full_name": "Aigul Bb"}, page
    )
    found = sweep.differences(plain, other)
    assert found
    assert all(changed_table in line for line in found), found


def test_a_supervisor_cannot_give_an_account_a_role_or_centre_beyond_theirs(make_browser):
    """The supervisor's user form offers the case roles and their own centre; an admin
    role or another centre typed into the request is refused, on a new account and on
    one of their caseworkers."""
    world = World.build()
    supervisor, worker = world.users["supervisor"], world.users["caseworker"]
    browser = make_browser()
    browser.sign_in(supervisor)
    own = str(world.orgs["crisis"].id)
    beyond = [
        {"role": "admin", "organisation_id": own},
        {"role": "caseworker", "organisation_id": str(world.orgs["other_crisis"].id)},
        {"role": "auditor", "organisation_id": str(world.orgs["admin"].id)},
    ]
    for i, access in enumerate(beyond):
        created = browser.post(
            "/admin/users/new",
            {"username": f"sneaky{i}", "full_name": "Sneaky", "email": "", "locale": "", **access},
        )
        assert created.status_code in (200, 422)
        assert "sneaky" not in {u.username[:6] for u in db.session.scalars(select(User))}
    url = f"/admin/users/{worker.id}"
    data = form_of(browser, url)
    before = columns(worker)
    for access in beyond:
        browser.post(url, {**data, **access, "full_name": "Renamed"})
        after = columns(worker)
        assert (after["role"], after["organisation_id"]) == (
            before["role"],
            before["organisation_id"],
        )
