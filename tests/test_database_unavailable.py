"""The database away for a moment (PostgreSQL restarting, a failover, a full pool): the
user gets a 503 page in their language that says to try again, with Retry-After, never
the 500 "something went wrong" page or a bare error. bench/faults.py restarts a real
PostgreSQL under load; these stage the same errors in process. A fault of the code that
the driver reports with the same exception class is the 500 page, never "try again"."""

import logging
import sqlite3

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from referral.extensions import db, login_manager
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


# --- A fault of the code is not "try again" --------------------------------------------
# SQLite reports a missing table or column and a syntax error as OperationalError, the
# class that also carries "database is locked"; PostgreSQL's OperationalError covers a
# deadlock and a statement timeout. None of those goes away in a minute: the user gets the
# 500 page, and the operator an error line in the log.

NAME = "Айгүл Токтогулова"


def _running(sql):
    def query(*args, **kwargs):
        db.session.execute(text(sql), {"name": NAME})

    return query


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM no_such_table WHERE name = :name",
        "SELECT no_such_column FROM users WHERE username = :name",
        "SELEKT id FROM users WHERE username = :name",
    ],
    ids=["missing table", "missing column", "syntax error"],
)
def test_a_broken_query_in_a_page_gives_the_500_page_not_try_again(
    app, login_as, monkeypatch, caplog, sql
):
    b = login_as("caseworker", locale="ru")
    monkeypatch.setattr(home, "panels_for", _running(sql))
    monkeypatch.setitem(app.config, "LOG_TRACEBACKS", False)  # as deployed
    with caplog.at_level(logging.ERROR):
        response = b.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert "Что-то пошло не так" in body
    assert "Сервис временно недоступен" not in body
    assert "no_such" not in body
    assert "SELECT" not in body
    request_id = response.headers["X-Request-Id"]
    assert request_id in body  # the reference the user can give the administrator
    faults = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("unhandled" in r.getMessage() and request_id in r.getMessage() for r in faults), (
        caplog.text
    )
    assert "database unavailable" not in caplog.text
    assert NAME not in caplog.text  # the query's parameters stay out of the log
    assert "no_such" not in caplog.text


def test_the_signed_in_user_still_works_after_a_broken_query(login_as, monkeypatch):
    b = login_as("caseworker")
    monkeypatch.setattr(home, "panels_for", _running("SELECT id FROM no_such_table"))
    assert b.get("/").status_code == 500
    monkeypatch.undo()
    assert b.get("/").status_code == 200  # not signed out, nothing left half-done


def _sqlite_error(make_failing_engine):
    """What a real SQLite database out of reach raises, through SQLAlchemy."""

    def query(*args, **kwargs):
        engine = make_failing_engine()
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT count(*) FROM t"))
        finally:
            engine.dispose()

    return query


def test_a_locked_sqlite_database_is_briefly_unavailable(login_as, monkeypatch, tmp_path):
    path = tmp_path / "held.sqlite3"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE t (id INTEGER)")
    holder.commit()
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the file
    b = login_as("caseworker")
    monkeypatch.setattr(
        home,
        "panels_for",
        _sqlite_error(lambda: create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})),
    )
    try:
        response = b.get("/")
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()


def test_an_unreachable_sqlite_file_is_briefly_unavailable(login_as, monkeypatch, tmp_path):
    missing = tmp_path / "unmounted" / "referral.sqlite3"
    b = login_as("caseworker")
    monkeypatch.setattr(
        home, "panels_for", _sqlite_error(lambda: create_engine(f"sqlite:///{missing}"))
    )
    response = b.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()


def _pg(sqlstate=None, message="m"):
    if sqlstate is None:
        return psycopg.OperationalError(message)  # libpq's own: no server answered
    return psycopg.errors.lookup(sqlstate)(message)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OperationalError("SELECT 1", {}, _pg("08006")), 503),
        (OperationalError("SELECT 1", {}, _pg("08001")), 503),
        (OperationalError("SELECT 1", {}, _pg("57P01")), 503),
        (OperationalError("SELECT 1", {}, _pg("57P02")), 503),
        (OperationalError("SELECT 1", {}, _pg("57P03")), 503),
        (OperationalError("SELECT 1", {}, _pg("53300")), 503),
        (OperationalError("SELECT 1", {}, _pg(None, "connection failed: Connection refused")), 503),
        (
            InterfaceError("SELECT 1", {}, psycopg.InterfaceError("the connection is closed")),
            503,
        ),
        (
            InterfaceError(
                "SELECT 1", {}, psycopg.InterfaceError("m"), connection_invalidated=True
            ),
            503,
        ),
        (OperationalError("SELECT 1", {}, _pg("57014")), 500),
        (OperationalError("SELECT 1", {}, _pg("40P01")), 500),
        (OperationalError("SELECT 1", {}, _pg("53100")), 500),
        (InterfaceError("SELECT 1", {}, psycopg.InterfaceError("the cursor is closed")), 500),
        (InterfaceError("SELECT 1", {}, psycopg.InterfaceError("None dumper not found")), 500),
    ],
    ids=[
        "connection failure",
        "unable to connect",
        "admin shutdown",
        "crash shutdown",
        "cannot connect now",
        "too many connections",
        "connection refused",
        "connection closed",
        "connection invalidated",
        "statement timeout",
        "deadlock",
        "disk full",
        "cursor closed",
        "driver misuse",
    ],
)
def test_postgresql_errors_are_told_apart(login_as, monkeypatch, error, status):
    b = login_as("caseworker")
    monkeypatch.setattr(home, "panels_for", _unreachable(error))
    response = b.get("/")
    assert response.status_code == status
    assert ("Retry-After" in response.headers) is (status == 503)
