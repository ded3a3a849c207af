"""The database away for a moment (PostgreSQL restarting, a failover, a full pool): the
user gets a 503 page in their language that says to try again, with Retry-After, never
the 500 "something went wrong" page or a bare error. bench/faults.py restarts a real
PostgreSQL under load; these stage the same errors in process."""

import pytest
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from referral.extensions import login_manager
from referral.home import service as home

CONNECTION_LOST = OperationalError(
    "SELECT 1", {}, Exception("server closed the connection unexpectedly")
)


def _unreachable(error):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.mark.parametrize(
    "error",
    [
        CONNECTION_LOST,
        InterfaceError("SELECT 1", {}, Exception("connection is closed")),
        PoolTimeoutError("QueuePool limit of size 5 overflow 5 reached"),
    ],
    ids=["connection lost", "connection closed", "pool exhausted"],
)
def test_database_lost_during_a_page_gives_a_503_in_the_users_language(
    login_as, monkeypatch, error, caplog
):
    b = login_as("caseworker", locale="ky")
    monkeypatch.setattr(home, "panels_for", _unreachable(error))
    response = b.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert 'lang="ky"' in body
    assert "Кызмат убактылуу жеткиликсиз" in body
    assert "Something went wrong" not in body
    assert "server closed" not in body
    assert "QueuePool" not in body
    assert "server closed" not in caplog.text  # the driver's words stay out of the log


def test_database_lost_while_loading_the_signed_in_user_still_answers_503(login_as, monkeypatch):
    b = login_as("caseworker")
    monkeypatch.setattr(login_manager, "_user_callback", _unreachable(CONNECTION_LOST))
    response = b.get("/cases/", headers={"Accept-Language": "ru"})
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Сервис временно недоступен" in body
    assert response.headers["Retry-After"].isdigit()


def test_each_language_says_briefly_unavailable(login_as, monkeypatch):
    monkeypatch.setattr(home, "panels_for", _unreachable(CONNECTION_LOST))
    titles = {}
    for lang in ("en", "ru", "ky"):
        b = login_as("caseworker", locale=lang)
        titles[lang] = b.get("/").get_data(as_text=True)
    assert "Briefly unavailable" in titles["en"]
    assert "Временно недоступно" in titles["ru"]
    assert "Убактылуу жеткиликсиз" in titles["ky"]
