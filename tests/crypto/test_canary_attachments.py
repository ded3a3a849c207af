"""Canary test for attachments: distinctive file names and file bytes uploaded through
the real screens never appear in the attachment files on disk, the database file, a
pg_dump, the audit trail or the logs, and the upload is never spooled to a temporary
file in plaintext."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import select
from werkzeug import formparser
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from referral.auth.permissions import Role
from referral.cases.models import Attachment, Case
from referral.extensions import db
from tests.conftest import Browser
from tests.crypto import canary
from tests.crypto.committed import committed_app, is_postgres, make_staff

pytestmark = pytest.mark.no_db

NAME_CANARY = "Щукабрынзова-справка-Zqxjwvbkq"
BYTES_CANARY = "CANARY-SCAN-7e41d0 Ёжиккаранейка"
# Over werkzeug's 500 KB in-memory limit, so that a spool to disk would happen here.
FILLER = b"\n" + b"0123456789abcdef" * 40_000


def documents() -> list[tuple[str, bytes]]:
    canary = BYTES_CANARY.encode()
    return [
        (f"{NAME_CANARY}-1.pdf", b"%PDF-1.7\n" + canary + FILLER + b"\n%%EOF\n"),
        (f"{NAME_CANARY}-2.png", b"\x89PNG\r\n\x1a\n" + canary + b"\x00" * 64),
    ]


def needles() -> list[bytes]:
    return [
        NAME_CANARY.encode(),
        NAME_CANARY.split("-")[0].encode(),
        BYTES_CANARY.split()[0].encode(),
        BYTES_CANARY.split()[1].encode(),
    ]


def count_hits(blob: bytes) -> int:
    return sum(blob.count(n) for n in needles())


def exercise(app, directory) -> tuple[str, int, int]:
    """Upload, list, download and erase through the screens. Returns (the log, canary
    hits in the pages that should show them, temporary spool files opened)."""
    app.config["ATTACHMENTS_DIR"] = str(directory)
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    spooled = []
    real_spool = formparser.SpooledTemporaryFile
    formparser.SpooledTemporaryFile = lambda *a, **k: spooled.append(1) or real_spool(*a, **k)
    shown = 0
    try:
        with app.app_context():
            worker = make_staff(Role.CASEWORKER)
            boss = make_staff(Role.SUPERVISOR, organisation=worker.organisation)
            names = (worker.username, boss.username)
        browser, supervisor = Browser(app), Browser(app)
        assert browser.login(names[0]).status_code == 302
        assert supervisor.login(names[1]).status_code == 302
        for n in range(2):
            assert (
                browser.post(
                    "/cases/new", {"full_name": f"Aigerim Canary{chr(65 + n)}ova"}
                ).status_code
                == 302
            )
        with app.app_context():
            ids = list(db.session.execute(select(Case.id).order_by(Case.created_at)).scalars())
        for case_id in ids:
            for file_name, data in documents():
                response = _upload(browser, f"/cases/{case_id}/attachments/new", file_name, data)
                assert response.status_code == 302
            shown += count_hits(browser.get(f"/cases/{case_id}").get_data())
            shown += count_hits(browser.get(f"/cases/{case_id}/print?notes=y").get_data())
        with app.app_context():
            documents_ = list(db.session.execute(select(Attachment.case_id, Attachment.id)))
        for case_id, attachment_id in documents_:
            download = browser.get(f"/cases/{case_id}/attachments/{attachment_id}")
            assert download.status_code == 200
            assert NAME_CANARY not in download.headers["Content-Disposition"]
            shown += count_hits(download.get_data())
        page = supervisor.get(f"/cases/{ids[1]}").get_data(as_text=True)
        code = page.split("Case ")[1][:13]
        erase = {"reason": "survivor_request", "understood": "y", "confirm_code": code}
        assert supervisor.post(f"/cases/{ids[1]}/erase", erase).status_code == 302
    finally:
        formparser.SpooledTemporaryFile = real_spool
        root.removeHandler(handler)
        root.setLevel(old_level)
    return log.getvalue(), shown, len(spooled)


def _upload(browser: Browser, url: str, file_name: str, data: bytes):
    """A multipart POST encoded in memory: the test client's own encoder would spool a
    large body to a temporary file (on the client's side, not the app's)."""
    values = {
        "csrf_token": browser.csrf_token(),
        "kind": "forensic_certificate",
        "file": FileStorage(io.BytesIO(data), filename=file_name),
    }
    boundary, body = encode_multipart(values)
    return browser._request(
        "post", url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _files(directory) -> tuple[int, int]:
    paths = [p for p in directory.iterdir() if p.is_file()]
    return len(paths), sum(count_hits(p.read_bytes()) for p in paths)


def test_attachment_canaries_never_reach_disk_dump_or_logs(tmp_path):
    directory = tmp_path / "attachments"
    with committed_app(tmp_path, "canary_att", postgres=False) as (app, url):
        logged, shown, spooled = exercise(app, directory)
        stored, file_hits = _files(directory)
        with app.app_context():
            db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.commit()
            db.engine.dispose()
        db_hits = count_hits(canary.sqlite_bytes(url))
    log_hits = count_hits(logged.encode())
    dump_hits: int | str = "skipped (TEST_DATABASE_URL is not PostgreSQL)"
    if is_postgres():
        pg_directory = tmp_path / "pg-attachments"
        with committed_app(tmp_path, "canary_att", postgres=True) as (pg_app, pg_url):
            pg_logged, pg_shown, pg_spooled = exercise(pg_app, pg_directory)
            dump = canary.pg_dump(pg_url)
            assert b"COPY public.attachments" in dump
            dump_hits = count_hits(dump)
            log_hits += count_hits(pg_logged.encode())
            file_hits += _files(pg_directory)[1]
            spooled += pg_spooled
            assert pg_shown > 0
    print(
        f"[security] attachment canaries: {file_hits} hits in {stored} encrypted files, "
        f"{db_hits} in sqlite file, {dump_hits} in pg_dump, {log_hits} in logs, "
        f"{spooled} plaintext spool files (the screens that should show them showed them "
        f"{shown} times)"
    )
    assert shown > 0  # really uploaded, listed and downloaded
    assert stored == 2  # the erased case's two files are gone, the other case's stay
    assert len(logged) > 0
    assert file_hits == 0
    assert db_hits == 0
    assert log_hits == 0
    assert spooled == 0
    assert dump_hits == 0 or not is_postgres()
