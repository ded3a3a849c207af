"""Engine-level settings that every connection needs, whatever the backend."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def install_sqlite_pragmas() -> None:
    """SQLite: enforce foreign keys and let SQLAlchemy own transactions.

    pysqlite's own BEGIN handling breaks SAVEPOINT (used by the tests and by nested
    units of work); SQLAlchemy's documented fix is to turn it off and emit BEGIN.
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
            conn.exec_driver_sql("BEGIN")
