"""Hostile and broken uploads to the directory import: each is refused with a clear 422
that says what is wrong, never a 500, and the directory is left as it was."""

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from referral.directory.exchange import bounds, hsds
from referral.directory.models import Organisation
from referral.extensions import db
from tests import factories


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _org_csv(description: str, rows: int = 1) -> bytes:
    lines = ["id,name,description"]
    lines += [f"org-{n},Org {n},{description}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


HOSTILE = {
    "nested brackets": ("deep.json", b"[" * 2000 + b"]" * 2000, "nested too deeply"),
    "nested objects": (
        "deep.json",
        b'{"contents": [' + b'{"a":' * 40 + b"1" + b"}" * 40 + b"]}",
        "nested too deeply",
    ),
    "one huge csv field": (
        "big.zip",
        _zip({"organizations.csv": _org_csv("x" * 200_000)}),
        "longer than 20000 characters",
    ),
    "a long csv field under csv's own limit": (
        "long.zip",
        _zip({"organizations.csv": _org_csv("x" * 25_000)}),
        "longer than 20000 characters",
    ),
    "a long json value": (
        "long.json",
        json.dumps({"contents": [{"id": "o1", "name": "O", "description": "y" * 25_000}]}).encode(),
        "longer than 20000 characters",
    ),
    "too many rows": (
        "rows.zip",
        _zip({"organizations.csv": _org_csv("d", rows=bounds.MAX_ROWS + 1)}),
        "more than 50000 rows",
    ),
    "too many files": (
        "files.zip",
        _zip({f"extra-{n}.csv": b"a\n" for n in range(bounds.MAX_FILES + 1)}),
        "more than 64 files",
    ),
    "a zip bomb": (
        "bomb.zip",
        _zip({"organizations.csv": b"id,name,description\n" + b"0" * (bounds.MAX_UNPACKED + 10)}),
        "more than 20 MB",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_a_hostile_upload_is_refused_with_a_clear_message_and_saves_nothing(login_as, kg, case):
    filename, data, message = HOSTILE[case]
    admin = login_as("admin")
    before = db.session.scalar(select(func.count()).select_from(Organisation))
    response = admin.post(
        "/directory/exchange/import",
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == before


def test_the_refusal_is_in_the_administrators_language(login_as, kg):
    admin = login_as("admin", locale="ru")
    response = admin.post(
        "/directory/exchange/import",
        {"file": (io.BytesIO(b"[" * 100 + b"]" * 100), "deep.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "слишком глубоко" in response.get_data(as_text=True)


def test_a_real_export_is_within_every_bound(kg):
    # The bounds refuse attacks, not directories: the project's own export reads back.
    factories.OrganisationFactory.create_batch(3)
    held = db.session.scalar(select(func.count()).select_from(Organisation))
    assert len(hsds.from_json(hsds.to_json(hsds.export_tables()))["organizations"]) == held
    assert len(hsds.from_zip(hsds.to_zip(hsds.export_tables()))["organizations"]) == held
