"""The caseworker's screens: open, list, find, read, edit and erase a case."""

import logging

import pytest
from sqlalchemy import select, update

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import Case, CaseKey
from referral.extensions import db
from tests import factories

NAME = "Айгүл Токтогулова"


@pytest.fixture
def worker(login_as):
    return login_as("caseworker")


def _open(user, name=NAME, phone="0555 123 456", note="Needs a shelter tonight"):
    case = service.open_case(user, service.CaseInput(full_name=name, phone=phone, note=note))
    db.session.flush()
    return case


def _events(action):
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_open_a_case_and_read_it(worker):
    page = worker.get("/cases/new")
    assert page.status_code == 200 and "Survivor" in page.get_data(as_text=True)
    response = worker.post(
        "/cases/new",
        {"full_name": NAME, "birth_date": "1994-03-08", "phone": "0555 12 34 56", "note": "Safe"},
    )
    assert response.status_code == 302
    case = db.session.execute(select(Case).where(Case.owner_id == worker.user.id)).scalar_one()
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    detail = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert NAME in detail and "+996555123456" in detail and case.case_code in detail
    assert len(_events("sensitive_read")) == 1 and len(_events("sensitive_create")) == 1


def test_the_flash_after_opening_names_the_code_not_the_survivor(worker):
    worker.post("/cases/new", {"full_name": NAME, "phone": ""})
    home = worker.get("/cases/").get_data(as_text=True)
    assert "opened" in home
    flash = home.split('class="flashes"')[1].split("</div>")[0]
    assert "KG-" in flash and "Айгүл" not in flash


def test_a_bad_phone_number_is_shown_on_the_form(worker):
    response = worker.post("/cases/new", {"full_name": NAME, "phone": "call me"})
    assert response.status_code == 422
    assert "not a phone number" in response.get_data(as_text=True)


def test_list_shows_decrypted_names_fifty_per_page(worker):
    for i in range(53):
        _open(worker.user, name=f"Aigerim {chr(65 + i % 26)}{chr(97 + i // 26)}ova", phone=None)
    first = worker.get("/cases/").get_data(as_text=True)
    assert first.count("/cases/") >= 50 and "53 cases" in first
    assert first.count("<tr>") == 51  # header + 50 rows
    second = worker.get("/cases/?page=2").get_data(as_text=True)
    assert second.count("<tr>") == 4
    assert "Aigerim" in second


def test_search_is_a_post_and_finds_by_phone_or_name(worker, caplog):
    case = _open(worker.user)
    with caplog.at_level(logging.DEBUG):
        by_phone = worker.post("/cases/search", {"term": "996 555 12-34-56"})
        by_name = worker.post("/cases/search", {"term": "aigul toktogulova"})
    assert case.case_code in by_phone.get_data(as_text=True)
    assert case.case_code in by_name.get_data(as_text=True)
    assert "555123456" not in caplog.text and "12-34-56" not in caplog.text
    assert "toktogulova" not in caplog.text.lower()
    assert (
        worker.post("/cases/search", {"term": "0700 000 000"})
        .get_data(as_text=True)
        .count(case.case_code)
        == 0
    )


def test_other_caseworkers_cases_are_not_found(worker, login_as):
    other = login_as("caseworker", organisation=worker.user.organisation)
    case = _open(other.user)
    assert worker.get(f"/cases/{case.id}").status_code == 404
    assert case.case_code not in worker.post("/cases/search", {"term": NAME}).get_data(as_text=True)


def test_tampered_value_gives_a_generic_error_and_is_audited(worker, app):
    case = _open(worker.user)
    other = _open(worker.user, name="Жылдыз Асанова")
    stolen = db.session.execute(
        select(Case.__table__.c.full_name_ct).where(Case.__table__.c.id == other.id)
    ).scalar_one()
    db.session.execute(
        update(Case.__table__).where(Case.__table__.c.id == case.id).values(full_name_ct=stolen)
    )
    app.config["LOG_TRACEBACKS"] = False
    try:
        response = worker.get(f"/cases/{case.id}")
    finally:
        app.config["LOG_TRACEBACKS"] = True
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "Асанова" not in body and "Токтогулова" not in body
    failures = _events("crypt_decrypt_fail")
    assert len(failures) == 1
    assert failures[0].target_id == str(case.id)
    assert failures[0].detail == {"reason": "tag", "table": "cases", "column": "full_name_ct"}
    assert _events("sensitive_read") == []  # the failed read left no success behind


def test_swapped_case_key_fails_closed_in_the_list(worker):
    a, b = _open(worker.user), _open(worker.user, name="Жылдыз Асанова")
    key_a = db.session.get(CaseKey, a.id)
    db.session.execute(
        update(CaseKey)
        .where(CaseKey.case_id == b.id)
        .values(wrapped_dek=key_a.wrapped_dek, key_check=key_a.key_check)
    )
    response = worker.get("/cases/")
    assert response.status_code == 500
    assert "Жылдыз" not in response.get_data(as_text=True)
    assert [e.detail["reason"] for e in _events("crypt_decrypt_fail")] == ["check"]


def test_edit_saves_and_a_stale_form_is_refused(worker):
    case = _open(worker.user)
    form = worker.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert NAME in form and 'name="lock_version"' in form
    version = case.lock_version
    ok = worker.post(
        f"/cases/{case.id}/edit",
        {"full_name": NAME, "phone": "0700 123 456", "note": "", "lock_version": version},
    )
    assert ok.status_code == 302
    stale = worker.post(
        f"/cases/{case.id}/edit",
        {"full_name": "Someone Else", "phone": "", "note": "", "lock_version": version},
    )
    assert stale.status_code == 409
    assert NAME in worker.get(f"/cases/{case.id}").get_data(as_text=True)


def test_supervisor_erases_with_confirmation_and_the_case_shows_as_erased(login_as):
    supervisor = login_as("supervisor")
    worker = factories.UserFactory(role=Role.CASEWORKER, organisation=supervisor.user.organisation)
    case = _open(worker)
    _open(worker, name="Жылдыз Асанова")
    page = supervisor.get(f"/cases/{case.id}/erase").get_data(as_text=True)
    assert "cannot be undone" in page
    wrong = supervisor.post(
        f"/cases/{case.id}/erase",
        {"reason": "survivor_request", "confirm_code": "KG-0000-XXXXX", "understood": "y"},
    )
    assert wrong.status_code == 422 and db.session.get(CaseKey, case.id) is not None
    done = supervisor.post(
        f"/cases/{case.id}/erase",
        {"reason": "survivor_request", "confirm_code": case.case_code.lower(), "understood": "y"},
    )
    assert done.status_code == 302
    erased = supervisor.get(f"/cases/{case.id}")
    body = erased.get_data(as_text=True)
    assert erased.status_code == 410
    assert "can no longer be read" in body and case.case_code in body and "Айгүл" not in body
    listing = supervisor.get("/cases/").get_data(as_text=True)
    assert case.case_code in listing and "erased" in listing and "Жылдыз Асанова" in listing
    assert supervisor.get(f"/cases/{case.id}/edit").status_code == 410
    assert len(_events("case_shredded")) == 1


def test_home_panel_counts_my_open_cases(worker):
    _open(worker.user)
    _open(worker.user, name="Жылдыз Асанова")
    home = worker.get("/").get_data(as_text=True)
    assert "My open cases" in home
    assert "<dd>2</dd>" in home


def test_pages_never_contain_ciphertext_or_key_material(worker):
    case = _open(worker.user)
    key = db.session.get(CaseKey, case.id)
    raw = db.session.execute(
        select(Case.__table__.c.note_ct).where(Case.__table__.c.id == case.id)
    ).scalar_one()
    body = worker.get(f"/cases/{case.id}").get_data()
    for secret in (bytes(key.wrapped_dek), bytes(raw)[16:32]):
        assert secret not in body and secret.hex().encode() not in body
