"""The audit trail pages."""

import html
import re

import pytest


@pytest.mark.parametrize("before", ["99999999999999999999", "-5", "0", "abc"])
def test_paging_with_any_number_shows_the_trail(login_as, before):
    auditor = login_as("auditor")
    response = auditor.get(f"/audit/?before={before}")
    assert response.status_code == 200
    assert "Audit trail" in response.get_data(as_text=True)


def test_auditor_verifies_the_chain_in_the_browser(login_as):
    auditor = login_as("auditor")
    page = auditor.post("/audit/verify").get_data(as_text=True)
    assert "The chain is intact" in page


# --- who has looked at a case ----------------------------------------------------------

CANARY = "Canaryna Zhyldyzova"


def _case_of(user):
    from referral.cases import service as cases

    return cases.open_case(user, cases.CaseInput(full_name=CANARY, phone="0555 987 654"))


def test_the_caseworker_sees_who_read_her_case_and_what_not_the_values(login_as):
    from referral.auth.permissions import Role
    from tests import factories

    worker = login_as("caseworker", full_name="Aida Caseworkerova")
    case = _case_of(worker.user)
    supervisor = login_as(
        factories.UserFactory(
            role=Role.SUPERVISOR,
            organisation=worker.user.organisation,
            full_name="Bermet Supervisorova",
        )
    )
    assert supervisor.get(f"/cases/{case.id}").status_code == 200
    page = worker.get(f"/audit/cases/{case.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Bermet Supervisorova" in text
    assert "Supervisor" in text
    assert worker.user.organisation.name_en in text
    assert "Read case details" in text
    assert "safe contact" in text
    assert CANARY not in text
    assert "0555 987 654" not in text
    # and the case page links to it
    assert f"/audit/cases/{case.id}" in worker.get(f"/cases/{case.id}").get_data(as_text=True)


def test_reads_of_other_cases_are_not_listed(login_as):
    worker = login_as("caseworker")
    mine, other = _case_of(worker.user), _case_of(worker.user)
    worker.get(f"/cases/{other.id}")
    text = worker.get(f"/audit/cases/{mine.id}").get_data(as_text=True)
    assert "Nobody has opened this case" in text


# --- the auditor's console -------------------------------------------------------------


def test_the_auditor_finds_who_opened_case_x_last_week(login_as):
    from datetime import timedelta

    from referral.db import utcnow

    worker = login_as("caseworker", full_name="Aida Caseworkerova")
    case, other = _case_of(worker.user), _case_of(worker.user)
    worker.get(f"/cases/{case.id}")
    worker.get(f"/cases/{other.id}")
    auditor = login_as("auditor")
    today = utcnow().date()
    query = {
        "target": case.case_code,
        "action": "sensitive_read",
        "since": (today - timedelta(days=7)).isoformat(),
        "until": (today + timedelta(days=1)).isoformat(),
    }
    page = auditor.get("/audit/", query_string=query)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Aida Caseworkerova" in text
    assert "Read case details" in text
    assert str(case.id)[:8] in text
    assert str(other.id)[:8] not in text
    assert CANARY not in text
    # a period that ended before the reading finds nothing
    before = {**query, "until": (today - timedelta(days=2)).isoformat()}
    assert "Aida Caseworkerova" not in auditor.get("/audit/", query_string=before).get_data(
        as_text=True
    )


def test_filter_by_actor_and_clear_messages_for_bad_filters(login_as):
    worker = login_as("caseworker")
    auditor = login_as("auditor")
    mine = auditor.get("/audit/", query_string={"actor": worker.user.username})
    assert worker.user.full_name in mine.get_data(as_text=True)
    unknown = auditor.get("/audit/", query_string={"actor": "nobody-at-all"})
    assert unknown.status_code == 422
    assert "No account has this user name." in unknown.get_data(as_text=True)
    bad_date = auditor.get("/audit/", query_string={"since": "2026-13-45"})
    assert bad_date.status_code == 422
    backwards = auditor.get("/audit/", query_string={"since": "2026-12-02", "until": "2026-12-01"})
    assert backwards.status_code == 422
    assert "before its start" in backwards.get_data(as_text=True)
    no_case = auditor.get("/audit/", query_string={"target": "KG-2026-ZZZZZ"})
    assert no_case.status_code == 422
    assert "No case has this code." in no_case.get_data(as_text=True)


def test_the_trail_is_paged_keeping_the_filters(login_as):
    from referral.audit import service as audit

    auditor = login_as("auditor")
    for i in range(55):
        audit.record("test_event", detail={"i": i})
    first = auditor.get("/audit/", query_string={"action": "test_event"})
    text = first.get_data(as_text=True)
    assert text.count("test_event") >= 50
    link = re.search(r'href="(/audit/\?[^"]*before=\d+[^"]*)"', text)
    assert link, "no link to older events"
    assert "action=test_event" in html.unescape(link.group(1))
    older = auditor.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert "i: 0" in older
    assert "i: 54" not in older


def test_verification_in_the_browser_names_the_range_and_the_break(login_as):
    from sqlalchemy import text as sql

    from referral.audit import service as audit
    from referral.extensions import db

    auditor = login_as("auditor")
    page = auditor.post("/audit/verify").get_data(as_text=True)
    assert re.search(r"Entries 1 to \d+ verified", page)
    for i in range(3):
        audit.record("test_event", detail={"i": i})
    audit.seal_now()
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(sql("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        conn.execute(sql("DROP TRIGGER IF EXISTS audit_events_no_update"))
    seq = conn.execute(sql("SELECT MAX(seq) FROM audit_events")).scalar() - 1
    conn.execute(sql("UPDATE audit_events SET outcome = 'x' WHERE seq = :s"), {"s": seq})
    page = auditor.post("/audit/verify").get_data(as_text=True)
    assert f"The chain is broken at entry {seq}" in page
    assert f"Entry {seq} was altered." in page


def test_no_survivor_name_reaches_the_audit_table(login_as):
    from sqlalchemy import select

    from referral.audit.models import AuditEvent
    from referral.extensions import db

    worker = login_as("caseworker")
    case = _case_of(worker.user)
    worker.get(f"/cases/{case.id}")
    worker.get(f"/cases/{case.id}/edit")
    rows = db.session.execute(select(AuditEvent.__table__)).all()
    dumped = " ".join(str(tuple(row)) for row in rows)
    assert str(case.id) in dumped
    assert CANARY.split()[0] not in dumped
    assert "987 654" not in dumped
