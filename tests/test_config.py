"""The app refuses to start with unsafe settings or key material."""

import os

import pytest

from referral import StartupError, create_app
from referral.crypto.keygen import ensure_dev_keys
from referral.crypto.keyring import write_active

STRONG_SECRET = "s" * 48


def production(keys_dir, **overrides):
    settings = {
        "REFERRAL_ENV": "production",
        "SECRET_KEY": STRONG_SECRET,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app@127.0.0.1/referral",
        "KEYS_DIR": str(keys_dir),
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def safe_keys(tmp_path):
    directory = tmp_path / "keys"
    ensure_dev_keys(directory)
    for path in directory.glob("*.key"):
        os.chmod(path, 0o400)
    return directory


@pytest.mark.no_db
def test_production_starts_with_safe_settings(safe_keys):
    app = create_app(production(safe_keys))
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.no_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "insecure-default-secret-key"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEBUG": True}, "DEBUG"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}, "SQLite"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "rate limits"),
    ],
)
def test_production_refuses_unsafe_settings(safe_keys, overrides, message):
    with pytest.raises(StartupError, match=message):
        create_app(production(safe_keys, **overrides))


@pytest.mark.no_db
def test_production_allows_sqlite_only_when_told(safe_keys):
    app = create_app(
        production(
            safe_keys, SQLALCHEMY_DATABASE_URI="sqlite:///x.db", ALLOW_SQLITE_IN_PRODUCTION=True
        )
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///x.db"


@pytest.mark.no_db
def test_refuses_to_start_without_keys(tmp_path):
    with pytest.raises(StartupError, match="no keys found"):
        create_app(production(tmp_path / "nothing-here"))


@pytest.mark.no_db
def test_refuses_to_start_with_unknown_active_key(safe_keys):
    write_active(safe_keys, {"kek": "kek-9", "bidx": "bidx-1", "audit": "audit-1"})
    with pytest.raises(StartupError, match="kek-9"):
        create_app(production(safe_keys))


@pytest.mark.no_db
def test_refuses_to_start_with_key_readable_by_others(safe_keys):
    os.chmod(safe_keys / "kek-1.key", 0o644)
    with pytest.raises(StartupError, match="accessible to group or others"):
        create_app(production(safe_keys))


@pytest.mark.no_db
def test_refuses_malformed_key(safe_keys):
    os.chmod(safe_keys / "bidx-1.key", 0o600)
    (safe_keys / "bidx-1.key").write_text("not base64 at all!\n")
    with pytest.raises(StartupError, match="bidx-1"):
        create_app(production(safe_keys))


@pytest.mark.no_db
def test_environment_keys_are_ignored_outside_development(safe_keys, monkeypatch):
    monkeypatch.setenv("REFERRAL_ACTIVE_KEK", "kek-7")
    app = create_app(production(safe_keys))
    assert app.extensions["referral_keyring"].active_id("kek") == "kek-1"


@pytest.mark.no_db
def test_unknown_environment_name_is_refused():
    with pytest.raises(StartupError, match="REFERRAL_ENV"):
        create_app({"REFERRAL_ENV": "staging"})


@pytest.mark.no_db
def test_keyring_repr_shows_no_key_bytes(safe_keys):
    app = create_app(production(safe_keys))
    ring = app.extensions["referral_keyring"]
    raw = ring.get("kek-1")
    assert raw.hex() not in repr(ring)
    assert str(raw) not in repr(ring)
