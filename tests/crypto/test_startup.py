"""The app refuses to start without safe key material: 4/4 refusals, clear messages."""

import os

import pytest

from referral import StartupError, create_app
from referral.crypto import keygen
from referral.crypto.keyring import write_active

pytestmark = pytest.mark.no_db


def _production(keys_dir, **overrides):
    return {
        "REFERRAL_ENV": "production",
        "SECRET_KEY": "p" * 48,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app@127.0.0.1/referral",
        "KEYS_DIR": str(keys_dir),
        **overrides,
    }


def _safe_ring(directory):
    keygen.ensure_dev_keys(directory)
    for path in directory.glob("*.key"):
        os.chmod(path, 0o400)
    return directory


def test_startup_refusals(tmp_path):
    ring = _safe_ring(tmp_path / "keys")
    create_app(_production(ring))  # the safe ring starts

    unknown = _safe_ring(tmp_path / "unknown")
    write_active(unknown, {"kek": "kek-2", "bidx": "bidx-1", "audit": "audit-1"})
    readable = _safe_ring(tmp_path / "readable")
    os.chmod(readable / "bidx-1.key", 0o644)
    cases = {
        "missing key ring": (_production(tmp_path / "none"), "no keys found"),
        "unknown active KEK": (
            _production(unknown),
            "active kek key 'kek-2' is not in the key ring",
        ),
        "key file readable by others": (_production(readable), "accessible to group or others"),
        "DEBUG in production": (_production(ring, DEBUG=True), "DEBUG is on"),
    }
    refused = 0
    for _label, (settings, message) in cases.items():
        with pytest.raises(StartupError, match=message):
            create_app(settings)
        refused += 1
    print(f"[security] boot checks: {refused}/{len(cases)} refusals")
    assert refused == 4


def test_development_may_use_environment_keys_production_may_not(tmp_path, monkeypatch):
    import base64

    for name in ("kek-1", "bidx-1", "audit-1"):
        env = "REFERRAL_KEY_" + name.upper().replace("-", "_")
        monkeypatch.setenv(env, base64.b64encode(os.urandom(32)).decode())
    for purpose in ("kek", "bidx", "audit"):
        monkeypatch.setenv(f"REFERRAL_ACTIVE_{purpose.upper()}", f"{purpose}-1")
    app = create_app({"REFERRAL_ENV": "development", "KEYS_DIR": str(tmp_path / "empty")})
    assert app.extensions["referral_keyring"].active_id("kek") == "kek-1"
    with pytest.raises(StartupError, match="no keys found"):
        create_app(_production(tmp_path / "empty"))


def test_keygen_makes_development_keys_and_says_so(tmp_path, capsys):
    directory = tmp_path / "instance" / "keys"
    assert keygen.main([str(directory)]) == 0
    assert "Created development keys" in capsys.readouterr().out
    assert sorted(p.name for p in directory.glob("*.key")) == [
        "audit-1.key",
        "bidx-1.key",
        "kek-1.key",
    ]
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in directory.glob("*.key"))
    assert sorted(p.name for p in directory.glob("*.pem")) == [
        "checkpoint-ed25519.pem",
        "checkpoint-ed25519.pub.pem",
    ]
    assert oct((directory / "checkpoint-ed25519.pem").stat().st_mode & 0o777) == "0o600"
    assert keygen.main([str(directory)]) == 0
    assert "already present" in capsys.readouterr().out


def test_keygen_adds_the_checkpoint_pair_to_a_ring_made_before_it(tmp_path, capsys):
    """`make keys` on a key directory of an earlier version: the ring is left as it is,
    the signing pair is added."""
    directory = tmp_path / "keys"
    keygen.main([str(directory)])
    ring_before = {p.name: p.read_bytes() for p in directory.glob("*.key")}
    for name in ("checkpoint-ed25519.pem", "checkpoint-ed25519.pub.pem"):
        (directory / name).unlink()
    capsys.readouterr()
    assert keygen.main([str(directory)]) == 0
    assert "Created development keys" in capsys.readouterr().out
    assert (directory / "checkpoint-ed25519.pem").exists()
    assert {p.name: p.read_bytes() for p in directory.glob("*.key")} == ring_before
