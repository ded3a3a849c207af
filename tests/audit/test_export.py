"""The auditor's export of the filtered trail, and the audit of "who looked at this
case" itself."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.extensions import db

CANARY = "Canaryna Exportova"


def _case_of(user):
    from referral.cases import service as cases

    return cases.open_case(user, cases.CaseInput(full_name=CANARY, phone="0555 246 810"))


def _rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).scalars()
    )


def test_the_export_has_the_consoles_filtered_entries_in_plain_words(login_as):
    worker = login_as("caseworker", full_name='=HYPERLINK("http://evil")')
    case, other = _case_of(worker.user), _case_of(worker.user)
    worker.get(f"/cases/{case.id}")
    worker.get(f"/cases/{other.id}")
    auditor = login_as("auditor")
    query = {"target": case.case_code, "action": "sensitive_read"}
    response = auditor.get("/audit/export.csv", query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    header, *lines = _rows(response)
    assert len(lines) == 1  # the other case's read and every other event are filtered out
    line = dict(zip(header, lines[0], strict=True))
    assert line["Event"] == "Read case details"
    assert line["Object"] == str(case.id)
    assert line["Role"] == "Caseworker"
    assert line["Organisation"] == worker.user.organisation.name
    assert "safe contact" in line["What was read"]
    # A name that a spreadsheet would run as a formula is text.
    assert line["Who"] == '\'=HYPERLINK("http://evil")'
    body = response.get_data().decode("utf-8-sig")
    assert CANARY not in body
    assert "0555 246 810" not in body
    # The export is in the trail, with the filters it used.
    (exported,) = _events("audit_exported")
    assert exported.actor_user_id == auditor.user.id
    assert exported.detail == {"rows": 1, "action": "sensitive_read", "target": str(case.id)}


def test_the_export_speaks_the_auditors_language(login_as):
    auditor = login_as("auditor", locale="ru")
    header, *_ = _rows(auditor.get("/audit/export.csv"))
    assert header[1] == "Когда"


def test_bad_filters_export_nothing_and_say_why(login_as):
    auditor = login_as("auditor")
    response = auditor.get("/audit/export.csv", query_string={"actor": "nobody-at-all"})
    assert response.status_code == 422
    assert "No account has this user name." in response.get_data(as_text=True)
    assert _events("audit_exported") == []


def test_the_console_links_to_the_export_of_what_it_shows(login_as):
    auditor = login_as("auditor")
    page = auditor.get("/audit/", query_string={"action": "sensitive_read"}).get_data(as_text=True)
    assert "/audit/export.csv?action=sensitive_read" in page
    admin = login_as("admin")
    assert "/audit/export.csv" not in admin.get("/audit/").get_data(as_text=True)


def test_opening_who_looked_at_a_case_is_audited(login_as):
    worker = login_as("caseworker")
    case = _case_of(worker.user)
    assert worker.get(f"/audit/cases/{case.id}").status_code == 200
    (viewed,) = _events("audit_case_reads_viewed")
    assert (viewed.actor_user_id, viewed.target_type, viewed.target_id) == (
        worker.user.id,
        "case",
        str(case.id),
    )
    # It is not a read of the case's details: the page does not list it.
    text = worker.get(f"/audit/cases/{case.id}").get_data(as_text=True)
    assert "Nobody has opened this case" in text


def test_the_console_names_the_person_and_role_of_every_entry_never_case_content(login_as):
    import re

    worker = login_as("caseworker", full_name="Aida Caseworkerova")
    case = _case_of(worker.user)
    worker.get(f"/cases/{case.id}")
    worker.get(f"/cases/{case.id}/edit")
    auditor = login_as("auditor", locale="ky")
    page = auditor.get("/audit/", query_string={"actor": worker.user.username})
    text = page.get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", text, re.S)
    assert len(rows) >= 3  # sign-in, the case's creation, its reads
    for row in rows:
        assert "Aida Caseworkerova" in row
        assert "Иш боюнча адис" in row  # the role, in the auditor's language
    assert CANARY not in text
    assert "246 810" not in text
    # Plain words, not codes (codes stay only in attributes: tooltips, the filter's values).
    assert "sensitive_read" not in re.sub(r'(title|value)="[^"]*"', "", text)
