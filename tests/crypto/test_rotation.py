"""Online key rotation: KEK re-wrap and blind-index key rotation, with readers running.

Uses a committed throw-away database (tests/crypto/committed.py) so that batches really
commit and another "process" (a second app with its own key ring) reads meanwhile.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from referral import create_app
from referral.auth.models import User
from referral.cases import indexing, keys, policy, service
from referral.cases.models import Case, CaseKey, CaseSearchIndex
from referral.crypto import fields, grants
from referral.extensions import db
from tests.crypto.committed import committed_app, make_staff, open_cases

pytestmark = pytest.mark.no_db


class Reader(threading.Thread):
    """Decrypts every case's name over and over in its own app (its own key ring, as in
    another worker process that has not seen the new KEK yet) until told to stop."""

    def __init__(self, app, owner_id):
        super().__init__(daemon=True)
        self.app, self.owner_id = app, owner_id
        self.reads = self.failures = self.passes = 0
        self.stop = threading.Event()

    def run(self):
        with self.app.app_context():
            owner = db.session.get(User, self.owner_id)
            while not self.stop.is_set():
                cases = db.session.execute(
                    select(Case).options(joinedload(Case.key)).order_by(Case.id)
                ).scalars()
                for case in cases:
                    try:
                        fields.read(case, "full_name", policy.grant_for(owner, case))
                        self.reads += 1
                    except Exception:
                        self.failures += 1
                db.session.rollback()
                fields.forget_deks()
                self.passes += 1


def _second_app(app, url):
    return create_app(
        {
            "REFERRAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "KEYS_DIR": app.config["KEYS_DIR"],
        }
    )


def test_kek_rotation_while_readers_read(tmp_path):
    with committed_app(tmp_path, "rotate") as (app, url):
        with app.app_context():
            owner = make_staff()
            open_cases(owner, 400)
            owner_id = owner.id
        reader = Reader(_second_app(app, url), owner_id)
        reader.start()
        while reader.passes < 1:
            time.sleep(0.01)
        start = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["keys", "rotate", "--batch-size", "25"])
        elapsed = time.perf_counter() - start
        passes_at_end = reader.passes
        while reader.passes < passes_at_end + 1:  # one full pass after the switch
            time.sleep(0.01)
        reader.stop.set()
        reader.join()
        with reader.app.app_context():
            db.session.remove()
            db.engine.dispose()
        assert result.exit_code == 0, result.output
        assert "Added kek-2 and made it active (was kek-1)" in result.output
        with app.app_context():
            left = keys.pending_rewrap()
            by_kek = dict(
                db.session.execute(
                    select(CaseKey.kek_id, func.count()).group_by(CaseKey.kek_id)
                ).all()
            )
            status = app.test_cli_runner().invoke(args=["keys", "status"])
        print(
            f"[security] KEK rotation: 400 case keys re-wrapped in {elapsed:.2f} s while a "
            f"reader decrypted {reader.reads} values with {reader.failures} failures; "
            f"left on old KEK: {left}"
        )
        assert reader.failures == 0
        assert reader.reads >= 800
        assert left == 0
        assert by_kek == {"kek-2": 400}
        assert "kek-2" in status.output
        assert "wraps 400 case key(s)" in status.output
        assert "kek-1      wraps 0 case key(s)" in status.output


def test_interrupted_rotation_resumes_without_a_new_key(tmp_path):
    with committed_app(tmp_path, "resume") as (app, _url):
        with app.app_context():
            open_cases(make_staff(), 60)
            keys.add_and_promote_kek()

            class Interrupted(Exception):
                pass

            def interrupt(_n):
                raise Interrupted

            with pytest.raises(Interrupted):
                keys.rewrap_all(20, on_batch=interrupt)
            assert keys.pending_rewrap() == 40  # the first batch committed
        result = app.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "Resuming: 40 case key(s)" in result.output
        with app.app_context():
            ring = keys.keyring()
            assert ring.ids("kek") == ["kek-1", "kek-2"]  # no third key
            assert keys.pending_rewrap() == 0


def test_tampered_key_is_reported_and_left_during_rotation(tmp_path):
    with committed_app(tmp_path, "rotbad") as (app, _url):
        with app.app_context():
            ids = open_cases(make_staff(), 5)
            row = db.session.get(CaseKey, ids[2])
            row.wrapped_dek = bytes(40)
            db.session.commit()
        result = app.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 1
        assert "Re-wrapped 4 case key(s) under kek-2; 1 failed." in result.output
        with app.app_context():
            from referral.audit.models import AuditEvent

            fail = db.session.execute(
                select(AuditEvent).where(AuditEvent.action == "crypt_decrypt_fail")
            ).scalar_one()
            assert fail.target_id == str(ids[2])
            assert fail.detail["reason"] == "unwrap"


def test_index_rotation_finds_everything_throughout(tmp_path):
    with committed_app(tmp_path, "reindex") as (app, _url):
        with app.app_context():
            owner_id = make_staff().id
            open_cases(db.session.get(User, owner_id), 90)

            def find_all() -> int:
                owner = db.session.get(User, owner_id)  # backfill batches clear the session
                found = 0
                for n in range(0, 90, 9):
                    found += len(service.search_cases(owner, f"0555 {n:06d}").cases)
                db.session.rollback()
                return found

            assert find_all() == 10
            version = indexing.start_index_rotation(bits=12)
            db.session.commit()
            assert find_all() == 10  # new version empty: the old one answers
            # A case written during the backfill gets both versions (dual write).
            new_case = service.open_case(
                db.session.get(User, owner_id),
                service.CaseInput(full_name="Late Writer", phone="0700 999 999"),
            )
            db.session.commit()
            versions = set(
                db.session.execute(
                    select(CaseSearchIndex.key_id).where(CaseSearchIndex.case_id == new_case.id)
                ).scalars()
            )
            assert versions == {"bidx-1", "bidx-2"}

            class Interrupted(Exception):
                pass

            def interrupt(_n):
                raise Interrupted

            with pytest.raises(Interrupted):
                indexing.backfill(version, 30, on_batch=interrupt)
            assert find_all() == 10  # half-way
        result = app.test_cli_runner().invoke(args=["keys", "rotate-index", "--bits", "12"])
        assert result.exit_code == 0, result.output
        assert "bidx-2 is active; retired bidx-1" in result.output
        with app.app_context():
            assert find_all() == 10
            owner = db.session.get(User, owner_id)
            assert len(service.search_cases(owner, "0700999999").cases) == 1
            remaining = set(db.session.execute(select(CaseSearchIndex.key_id).distinct()).scalars())
            assert remaining == {"bidx-2"}
            assert keys.keyring().active_id("bidx") == "bidx-2"
        print("[security] index rotation: 10/10 searches found their case before, during and after")


def test_rotate_index_recomputes_values_with_the_current_normalisation(tmp_path):
    """Values stored before a normalisation change (here: ё kept as io, a trunk 0 kept
    after +996) miss the new search terms until `flask keys rotate-index` recomputes
    them from the decrypted fields with today's normalisation."""
    with committed_app(tmp_path, "renormalise") as (app, _url):
        with app.app_context():
            owner_id = make_staff().id
            owner = db.session.get(User, owner_id)
            case = service.open_case(
                owner, service.CaseInput(full_name="Семёнова Алёна", phone="0555 000 111")
            )
            case_id = case.id
            # As the previous release stored it: the phone as it normalised then, and
            # index values of the old normal forms.
            fields.write(
                case, "phone", "+9960555000111", policy.grant_for(owner, case, mode=grants.WRITE)
            )
            (version,) = indexing.live_versions()
            old_forms = {"name": "aliona semionova", "phone": "+9960555000111"}
            for row in db.session.execute(
                select(CaseSearchIndex).where(CaseSearchIndex.case_id == case_id)
            ).scalars():
                row.value = indexing.value_for(version, row.name, old_forms[row.name])
            db.session.commit()

            def found() -> list[int]:
                owner = db.session.get(User, owner_id)
                terms = ["Семенова Алена", "Semyonova Alyona"]
                terms += ["0555 000 111", "+996 (0) 555 000 111"]
                hits = [len(service.search_cases(owner, t).cases) for t in terms]
                db.session.rollback()
                return hits

            assert found() == [0, 0, 0, 0]
        result = app.test_cli_runner().invoke(args=["keys", "rotate-index"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            assert found() == [1, 1, 1, 1]
        print("[security] rotate-index after a normalisation change: 4/4 searches find the case")


# --- account secrets (TOTP) -------------------------------------------------------------

SECRET_ROLES = ("caseworker", "supervisor", "provider", "committee_member", "admin", "auditor")


def _enrolled_users(roles=SECRET_ROLES):
    """Committed users of several roles with a TOTP secret each: {username: secret}."""
    from referral.auth import second_factor
    from tests import factories

    secrets = {}
    for role in roles:
        user = factories.UserFactory(role=role, second_factor=False)
        secrets[user.username] = second_factor.enrol_with_secret(user)
    db.session.commit()
    return secrets


def _factors_by_kek():
    from referral.auth.models import SecondFactor

    return dict(
        db.session.execute(
            select(SecondFactor.key_id, func.count()).group_by(SecondFactor.key_id)
        ).all()
    )


def _sign_in_with_code(app, username, secret):
    """The sign-in form then the code step, with the code the user's phone shows."""
    import pyotp

    from tests.conftest import TEST_PASSWORD, Browser

    b = Browser(app)
    first = b.post("/login", {"username": username, "password": TEST_PASSWORD}, csrf=False)
    assert first.status_code == 302, username
    assert first.location.endswith("/login/code"), username
    b._token = None
    b.get("/login/code")
    done = b.post("/login/code", {"code": pyotp.TOTP(secret).now()})
    return done, b


def test_rotation_seals_every_totp_secret_again_and_sign_in_works_without_the_old_kek(
    tmp_path,
):
    with committed_app(tmp_path, "rotsecret") as (app, url):
        with app.app_context():
            secrets = _enrolled_users()
            owner = make_staff()
            owner_id, case_ids = owner.id, open_cases(owner, 3)
            assert _factors_by_kek() == {"kek-1": len(secrets)}
        result = app.test_cli_runner().invoke(args=["keys", "rotate", "--batch-size", "2"])
        assert result.exit_code == 0, result.output
        assert f"Sealed {len(secrets)} account secret(s) again under kek-2; 0 failed." in (
            result.output
        )
        # Retire the old KEK, then start a fresh process: its ring has never held kek-1.
        (tmp_path / "keys-rotsecret" / "kek-1.key").unlink()
        fresh = _second_app(app, url)
        with fresh.app_context():
            assert fresh.extensions["referral_keyring"].ids("kek") == ["kek-2"]
            assert _factors_by_kek() == {"kek-2": len(secrets)}
            owner = db.session.get(User, owner_id)
            case = db.session.get(Case, case_ids[0])
            assert fields.read(case, "full_name", policy.grant_for(owner, case))
            db.session.rollback()
        for username, secret in secrets.items():
            done, b = _sign_in_with_code(fresh, username, secret)
            assert done.status_code == 302, username
            assert "/login" not in done.location, username
            assert b.get("/account").status_code == 200, username
        with fresh.app_context():
            db.session.remove()
            db.engine.dispose()


def test_interrupted_rotation_resumes_sealing_secrets_without_a_new_key(tmp_path):
    from referral.crypto import account_secrets

    with committed_app(tmp_path, "rotsecresume") as (app, _url):
        with app.app_context():
            _enrolled_users(("caseworker",) * 25)
            keys.add_and_promote_kek()

            class Interrupted(Exception):
                pass

            def interrupt(_n):
                raise Interrupted

            with pytest.raises(Interrupted):
                account_secrets.reseal_all(10, on_batch=interrupt)
            assert account_secrets.pending_reseal() == 15  # the first batch committed
        status = app.test_cli_runner().invoke(args=["keys", "status"])
        assert "15 account secret(s) not yet on the active KEK" in status.output
        result = app.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "Resuming: 0 case key(s) and 15 account secret(s)" in result.output
        with app.app_context():
            assert keys.keyring().ids("kek") == ["kek-1", "kek-2"]  # no third key
            assert account_secrets.pending_reseal() == 0
            assert _factors_by_kek() == {"kek-2": 25}


def test_a_tampered_secret_is_reported_and_left_during_rotation(tmp_path):
    from referral.audit.models import AuditEvent
    from referral.auth.models import SecondFactor, User

    with committed_app(tmp_path, "rotsecbad") as (app, _url):
        with app.app_context():
            secrets = _enrolled_users(("caseworker",) * 3)
            victim = db.session.execute(
                select(User).where(User.username == sorted(secrets)[1])
            ).scalar_one()
            factor = db.session.get(SecondFactor, victim.id)
            factor.secret_ct = factor.secret_ct[:-1] + bytes([factor.secret_ct[-1] ^ 1])
            victim_id = victim.id
            db.session.commit()
        result = app.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 1
        assert "Sealed 2 account secret(s) again under kek-2; 1 failed." in result.output
        with app.app_context():
            fail = db.session.execute(
                select(AuditEvent).where(AuditEvent.action == "crypt_decrypt_fail")
            ).scalar_one()
            assert fail.target_id == str(victim_id)
            assert fail.detail["table"] == "user_second_factors"
            assert _factors_by_kek() == {"kek-1": 1, "kek-2": 2}
