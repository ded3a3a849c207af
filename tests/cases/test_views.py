"""The caseworker's screens: open, list, find, read, edit and erase a case."""

import logging
import re

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
    assert page.status_code == 200
    assert "Survivor" in page.get_data(as_text=True)
    response = worker.post(
        "/cases/new",
        {"full_name": NAME, "birth_date": "1994-03-08", "phone": "0555 12 34 56", "note": "Safe"},
    )
    assert response.status_code == 302
    case = db.session.execute(select(Case).where(Case.owner_id == worker.user.id)).scalar_one()
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    detail = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert NAME in detail
    assert "+996555123456" in detail
    assert case.case_code in detail
    assert len(_events("sensitive_read")) == 1
    assert len(_events("sensitive_create")) == 1


def test_the_flash_after_opening_names_the_code_not_the_survivor(worker):
    worker.post("/cases/new", {"full_name": NAME, "phone": ""})
    home = worker.get("/cases/").get_data(as_text=True)
    assert "opened" in home
    flash = home.split('class="flashes"')[1].split("</div>")[0]
    assert "KG-" in flash
    assert "Айгүл" not in flash


def test_a_bad_phone_number_is_shown_on_the_form(worker):
    response = worker.post("/cases/new", {"full_name": NAME, "phone": "call me"})
    assert response.status_code == 422
    assert "not a phone number" in response.get_data(as_text=True)


def test_list_shows_decrypted_names_fifty_per_page(worker):
    for i in range(53):
        _open(worker.user, name=f"Aigerim {chr(65 + i % 26)}{chr(97 + i // 26)}ova", phone=None)
    first = worker.get("/cases/").get_data(as_text=True)
    assert first.count("<tr>") == 51  # header + 50 rows
    next_url = re.search(r'href="(/cases/\?after=[^"]+)"', first).group(1)
    second = worker.get(next_url.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("<tr>") == 4
    assert "Aigerim" in second
    assert 'href="/cases/?after=' not in second
    # Together the two pages list every case once.
    codes = re.findall(r"KG-\d{4}-[0-9A-Z]{5}", first + second)
    assert len(codes) == len(set(codes)) == 53


def test_search_is_a_post_and_finds_by_phone_or_name(worker, caplog):
    case = _open(worker.user)
    with caplog.at_level(logging.DEBUG):
        by_phone = worker.post("/cases/search", {"term": "996 555 12-34-56"})
        by_name = worker.post("/cases/search", {"term": "aigul toktogulova"})
    assert case.case_code in by_phone.get_data(as_text=True)
    assert case.case_code in by_name.get_data(as_text=True)
    assert "555123456" not in caplog.text
    assert "12-34-56" not in caplog.text
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
    assert "Асанова" not in body
    assert "Токтогулова" not in body
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
    assert NAME in form
    assert 'name="lock_version"' in form
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
    page = stale.get_data(as_text=True)
    # What the person typed is kept, and the saved change they missed is shown.
    assert 'value="Someone Else"' in page
    assert "Someone saved this record" in page
    assert "+996700123456" in page or "700 123 456" in page
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
    assert wrong.status_code == 422
    assert db.session.get(CaseKey, case.id) is not None
    done = supervisor.post(
        f"/cases/{case.id}/erase",
        {"reason": "survivor_request", "confirm_code": case.case_code.lower(), "understood": "y"},
    )
    assert done.status_code == 302
    erased = supervisor.get(f"/cases/{case.id}")
    body = erased.get_data(as_text=True)
    assert erased.status_code == 410
    assert "can no longer be read" in body
    assert case.case_code in body
    assert "Айгүл" not in body
    listing = supervisor.get("/cases/").get_data(as_text=True)
    assert case.case_code in listing
    assert "erased" in listing
    assert "Жылдыз Асанова" in listing
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
        assert secret not in body
        assert secret.hex().encode() not in body


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_any_cursor_or_filter_shows_a_page_never_a_server_error(worker):
    for i in range(3):
        _open(worker.user, name=f"Aigerim {chr(65 + i)}ova", phone=None)
    cursors = ["99999999999999999999", "9" * 400, "-1", "abc", "", "１", "٣", "a|b", "=="]
    cursors += ["MjAyNi0xMi0wMVQwMDowMDowMHxub3RoZXg", "eA", "Ww" * 50]
    # A NUL is refused at the door for every page (see tests/test_web.py).
    assert worker.get("/cases/?after=%00").status_code == 400
    for cursor in cursors:
        response = worker.get(f"/cases/?after={cursor}")
        assert response.status_code == 200, cursor
        assert _text(response).count("<tr>") == 4, cursor  # the list from the top
    for query in ("status=nope", "risk=" + "x" * 500, "caseworker=not-a-uuid", "status=open"):
        response = worker.get(f"/cases/?{query}")
        assert response.status_code == 200, query
        assert _text(response).count("<tr>") == 4, query


def test_malformed_input_is_refused_plainly_never_with_a_server_error(login_as, app):
    supervisor = login_as("supervisor")
    worker = factories.UserFactory(role=Role.CASEWORKER, organisation=supervisor.user.organisation)
    case = _open(worker)
    app.config["LOG_TRACEBACKS"] = False
    long = "Ы" * 100_000
    edit = f"/cases/{case.id}/edit"
    erase = f"/cases/{case.id}/erase"
    valid = {"full_name": NAME, "phone": "", "note": "", "lock_version": str(case.lock_version)}
    erase_ok = {"reason": "safety", "confirm_code": case.case_code, "understood": "y"}
    # (url, form, status, message shown on the form)
    attempts = [
        ("/cases/new", {"full_name": long}, 422, "characters"),
        ("/cases/new", {"full_name": NAME, "phone": "9" * 5000}, 422, "characters"),
        ("/cases/new", {"full_name": NAME, "phone": "+996 0 555 12"}, 422, "not a phone number"),
        ("/cases/new", {"full_name": NAME, "note": long}, 422, "characters"),
        ("/cases/new", {"full_name": NAME, "birth_date": "31.02.2026"}, 422, "date"),
        ("/cases/new", {"full_name": NAME, "birth_date": "2026-02-30"}, 422, "date"),
        ("/cases/new", {"full_name": NAME, "birth_date": "99999-01-01"}, 422, "date"),
        ("/cases/new", {"full_name": NAME, "birth_date": "0000-01-01"}, 422, "date"),
        ("/cases/new", {"full_name": NAME, "birth_date": "2999-01-01"}, 422, "future"),
        ("/cases/new", {"full_name": NAME, "birth_date": "1000-01-01"}, 422, "date of birth"),
        ("/cases/new", {"full_name": " - . "}, 422, "Enter the survivor"),
        ("/cases/new", {"full_name": ""}, 422, "required"),
        ("/cases/search", {"term": long}, 422, "characters"),
        ("/cases/search", {"term": "x"}, 422, "characters"),
        ("/cases/search", {"term": "+" + "9" * 400}, 422, "characters"),
        ("/cases/search", {"term": "9" * 200}, 200, "Results"),
        ("/cases/search", {"term": "\x00\x00\x00"}, 400, "could not be read"),
        (edit, {**valid, "lock_version": "abc"}, 422, "changed"),
        (edit, {**valid, "lock_version": ""}, 422, "changed"),
        (edit, {**valid, "lock_version": "99999999999999999999"}, 409, ""),
        (edit, {**valid, "lock_version": "-1"}, 409, ""),
        (edit, {**valid, "birth_date": "1994-13-45"}, 422, "date"),
        (edit, {**valid, "phone": "call me"}, 422, "not a phone number"),
        (edit, {**valid, "full_name": "..."}, 422, "Enter the survivor"),
        (erase, {**erase_ok, "reason": "no_such_reason"}, 422, "choice"),
        (erase, {**erase_ok, "reason": ""}, 422, "required"),
        (erase, {**erase_ok, "reason": long}, 422, "choice"),
        (erase, {**erase_ok, "confirm_code": long}, 422, "characters"),
        (erase, {**erase_ok, "confirm_code": "KG-0000-XXXXX"}, 422, "does not match"),
        (erase, {**erase_ok, "understood": ""}, 422, "required"),
        ("/cases/not-a-case/edit", valid, 404, ""),
        ("/cases/" + "f" * 5000 + "/erase", erase_ok, 404, ""),
    ]
    try:
        for url, data, expected, message in attempts:
            response = supervisor.post(url, data)
            label = f"{url[:40]} {str(data)[:80]}"
            assert response.status_code == expected, label
            assert message.lower() in _text(response).lower(), label
        for url in [
            "/cases/?page=99999999999999999999",
            "/cases/" + "0" * 5000,
            "/cases/00000000-0000-0000-0000-000000000000",
            f"/cases/{case.id}?page=-1",
            f"{edit}?lock_version=abc",
        ]:
            assert supervisor.get(url).status_code < 500, url
    finally:
        app.config["LOG_TRACEBACKS"] = True
    assert db.session.get(CaseKey, case.id) is not None  # nothing malformed erased it
    print(f"[security] cases screens: {len(attempts) + 5} malformed requests, 0 server errors")


def test_two_saves_at_the_same_moment_one_is_told_and_nothing_of_it_is_written(worker):
    """Both saves passed the form's version check; the other committed first. The
    UPDATE's version condition refuses the second: a 409 in words, not a 500, and the
    record keeps what the first save wrote."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    case = _open(worker.user)
    version = case.lock_version
    raced = []

    def the_other_save_commits_first(session, _context, _instances):
        dirty = [obj for obj in session.dirty if isinstance(obj, Case)]
        if dirty and not raced:
            raced.append(True)
            session.connection().execute(
                update(Case)
                .where(Case.id == dirty[0].id)
                .values(lock_version=Case.lock_version + 1)
            )

    event.listen(Session, "before_flush", the_other_save_commits_first)
    try:
        response = worker.post(
            f"/cases/{case.id}/edit",
            {"full_name": "Someone Else", "phone": "", "note": "", "lock_version": version},
        )
    finally:
        event.remove(Session, "before_flush", the_other_save_commits_first)
    assert raced, "the race was not staged"
    assert response.status_code == 409
    assert "Someone else changed this" in response.get_data(as_text=True)
    assert "Someone Else" not in worker.get(f"/cases/{case.id}").get_data(as_text=True)
