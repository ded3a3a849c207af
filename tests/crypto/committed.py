"""A throw-away application with its own database and keys, whose data is COMMITTED
(outside the suite's rolled-back transaction): for canary, rotation and backup-like
checks that must look at what really reaches the disk. Tests using it are `no_db`.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from referral import create_app
from referral.auth.permissions import Role
from referral.cases import service
from referral.crypto.keygen import ensure_dev_keys
from referral.extensions import db


def is_postgres() -> bool:
    return (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")


def _admin_engine(url):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def committed_app(
    tmp_path: Path, suffix: str, *, postgres: bool | None = None, config: dict | None = None
):
    """Yield (app, database_url). The database and keys are removed afterwards. `config`
    adds settings to the testing ones."""
    postgres = is_postgres() if postgres is None else postgres
    keys = tmp_path / f"keys-{suffix}"
    ensure_dev_keys(keys)
    if postgres:
        base = make_url(os.environ["TEST_DATABASE_URL"])
        name = f"{base.database}_{suffix}"
        url = base.set(database=name).render_as_string(hide_password=False)
        admin = _admin_engine(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    else:
        url = f"sqlite:///{tmp_path / f'{suffix}.sqlite3'}"
    app = create_app(
        {
            "REFERRAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "KEYS_DIR": str(keys),
            **(config or {}),
        }
    )
    with app.app_context():
        upgrade()
    try:
        yield app, url
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if postgres:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def make_staff(role: Role = Role.CASEWORKER, organisation=None):
    """A committed user (with the suite's test password) in a fresh crisis centre."""
    from tests import factories

    user = factories.UserFactory(
        role=role, **({"organisation": organisation} if organisation else {})
    )
    db.session.commit()
    return user


def open_cases(owner, count: int, *, prefix: str = "Aigerim") -> list[uuid.UUID]:
    """Open `count` committed cases with distinct names and phones."""
    ids = []
    for n in range(count):
        letters = "".join(chr(97 + (n // 26**i) % 26) for i in range(3))
        case = service.open_case(
            owner,
            service.CaseInput(full_name=f"{prefix} {letters}ova", phone=f"0555 {n:06d}"),
        )
        ids.append(case.id)
    db.session.commit()
    return ids
