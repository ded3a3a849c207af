"""Engine-level settings that every connection needs, whatever the backend."""

import contextlib
import sqlite3
from contextvars import ContextVar

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False
_WRITER: ContextVar[bool] = ContextVar("sqlite_immediate", default=False)


@contextlib.contextmanager
def writing_unit():
    """Transactions begun inside are SQLite write transactions from their BEGIN (as a
    request's are): for a background unit of work that reads, then writes."""
    token = _WRITER.set(True)
    try:
        yield
    finally:
        _WRITER.reset(token)


def install_sqlite_pragmas() -> None:
    """SQLite: enforce foreign keys and let SQLAlchemy own transactions.

    pysqlite's own BEGIN handling breaks SAVEPOINT (used by the tests and by nested
    units of work); SQLAlchemy's documented fix is to turn it off and emit BEGIN.

    A request's BEGIN (and a `writing_unit`'s) is IMMEDIATE: it takes the write lock at
    the start, waiting for it up to the busy timeout. Nearly every request writes
    something after reading (the audit entry of a case page, a session's touch), and
    SQLite will not let a transaction that has read wait for the write lock another
    connection holds (it could deadlock), so a deferred BEGIN failed such a request at
    once with "database is locked" whenever the audit sealer or another request was
    writing: one case page in three on the demo. Other transactions (commands that only
    read, such as verification, and the test suite's outer transactions) stay deferred,
    so that a long read does not hold the write lock.
    """
    global _installed
    if _installed:
        return
    _installed = True

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(conn):
        if conn.dialect.name == "sqlite":
            writer = _WRITER.get() or has_request_context()
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")
