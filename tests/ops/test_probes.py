"""/healthz and /readyz as a load balancer polls them: no cookie, no data; readiness
fails (503) when the database or the keys are gone, while health stays up."""

import pytest

from referral import create_app


def test_the_probes_answer_without_a_cookie_or_any_data(browser):
    for path in ("/healthz", "/readyz"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
        assert response.headers["Cache-Control"] == "no-store"
    assert browser.get("/healthz").json == {"status": "ok"}
    assert browser.get("/readyz").json == {"status": "ready", "database": "ok", "keys": "ok"}


@pytest.mark.no_db
def test_readiness_fails_without_the_database_or_the_keys(keys_dir, tmp_path):
    gone = create_app(
        {
            "REFERRAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}",
            "KEYS_DIR": str(keys_dir),
        }
    )
    client = gone.test_client()
    assert client.get("/healthz").status_code == 200  # the process is fine: no restart
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "failed", "keys": "ok"}
    assert "no-such-dir" not in response.get_data(as_text=True)

    gone.extensions["referral_keyring"].active = {}
    assert client.get("/readyz").json["keys"] == "failed"
    with gone.app_context():
        from referral.extensions import db

        db.engine.dispose()
