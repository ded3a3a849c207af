"""`flask keys check`: before serving, proof that the mounted keys open this database.

A database made under other keys (another checkout, a restore from elsewhere, keys
replaced) with a key ring of the same shape loads and serves, and then every page that
opens a sealed value fails. The check opens one sealed value of each table and tells the
operator which table does not open, never a value.

Committed databases of their own: a second instance with other keys must see the rows.
"""

from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from referral import create_app
from referral.crypto.cli import KEYS_DO_NOT_MATCH
from referral.crypto.keygen import ensure_dev_keys
from referral.extensions import db
from tests.conftest import _prepare_postgres

pytestmark = pytest.mark.no_db


def _database(directory, name: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{directory / f'{name}.sqlite3'}"
    parsed = make_url(url)
    own = parsed.set(database=f"{parsed.database}_{name}").render_as_string(hide_password=False)
    _prepare_postgres(own)
    return own


def _instance(url, keys_dir):
    return create_app(
        {"REFERRAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "KEYS_DIR": str(keys_dir)}
    )


def _close(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _check(app):
    return app.test_cli_runner().invoke(args=["keys", "check"])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, keys_dir):
    """The demo data under the suite's keys, its first case erased (erasure leaves the
    case row without its key: the check must look past it)."""
    from referral.audit import service as audit
    from referral.cases.models import Case
    from referral.cases.service.erasure import shred
    from referral.demo.service import seed_demo

    app = _instance(_database(tmp_path_factory.mktemp("keys_check"), "keys_check"), keys_dir)
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        first = db.session.execute(select(Case).order_by(Case.id).limit(1)).scalar_one()
        shred(first)
        db.session.commit()
        audit.seal_now()  # as the sealer does after each request
        db.session.commit()
    yield app
    _close(app)


@pytest.fixture
def other_keys(tmp_path):
    """A key ring of the same shape (kek-1, bidx-1, audit-1), made elsewhere."""
    directory = tmp_path / "other-keys"
    ensure_dev_keys(directory)
    return directory


def test_an_empty_database_passes_with_any_keys(tmp_path, other_keys):
    app = _instance(_database(tmp_path, "keys_check_empty"), other_keys)
    try:
        with app.app_context():
            upgrade()
        result = _check(app)
    finally:
        _close(app)
    assert result.exit_code == 0, result.output
    assert "Nothing sealed in the database yet" in result.output


def test_the_keys_the_database_was_made_with_open_it(seeded):
    result = _check(seeded)
    assert result.exit_code == 0, result.output
    assert "The mounted keys open this database" in result.output
    for table in ("cases", "incidents", "user_second_factors", "audit_events"):
        assert table in result.output


def test_other_keys_are_refused_naming_the_tables_never_a_value(seeded, other_keys):
    from referral.cases.models import Case
    from referral.cases.policy import verify_grant
    from referral.crypto import fields

    with seeded.app_context():
        case = db.session.execute(
            select(Case).where(Case.erased_at.is_(None)).order_by(Case.id).limit(1)
        ).scalar_one()
        name = fields.read(case, "full_name", verify_grant(case.id))
        fields.forget_deks()
    elsewhere = _instance(seeded.config["SQLALCHEMY_DATABASE_URI"], other_keys)
    try:
        result = _check(elsewhere)
    finally:
        _close(elsewhere)
    assert result.exit_code == KEYS_DO_NOT_MATCH, result.output
    assert "do not open this database" in result.output
    assert "PROBLEM: cases: row" in result.output
    assert "PROBLEM: user_second_factors: row" in result.output
    assert "PROBLEM: audit_events: row" in result.output
    assert name not in result.output
    for key in list(other_keys.glob("*.key")):
        assert key.read_text().strip() not in result.output


def test_one_table_that_does_not_open_is_named_alone(seeded):
    from referral.auth.models import SecondFactor

    with seeded.app_context():
        table = SecondFactor.__table__
        first = db.session.execute(
            select(table.c.user_id, table.c.secret_ct).order_by(table.c.user_id).limit(1)
        ).one()
        damaged = bytes(first.secret_ct[:-1]) + bytes([first.secret_ct[-1] ^ 1])
        db.session.execute(
            update(table).where(table.c.user_id == first.user_id).values(secret_ct=damaged)
        )
        db.session.commit()
    try:
        result = _check(seeded)
    finally:
        with seeded.app_context():
            db.session.execute(
                update(table)
                .where(table.c.user_id == first.user_id)
                .values(secret_ct=first.secret_ct)
            )
            db.session.commit()
    assert result.exit_code == KEYS_DO_NOT_MATCH, result.output
    problems = [line for line in result.output.splitlines() if line.startswith("PROBLEM")]
    assert problems == [
        f"PROBLEM: user_second_factors: row {first.user_id} does not open "
        "with the mounted keys (tag)"
    ]
