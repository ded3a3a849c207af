"""Friendly error pages in the user's language. A 500 rolls the session back and
shows nothing of what failed: no stack trace, no values."""

import contextlib
import sqlite3
import uuid

from flask import Flask, g, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException

from referral.extensions import db

MESSAGES = {
    400: (
        _l("Bad request"),
        _l(
            "The form could not be read. Go back, reload the page and "
            "try again; nothing was changed."
        ),
    ),
    401: (_l("Please sign in"), _l("Your session has ended. Sign in again to continue.")),
    403: (
        _l("Not allowed"),
        _l(
            "Your role does not allow this. If you need it, ask your "
            "supervisor or the administrator."
        ),
    ),
    404: (_l("Not found"), _l("There is nothing here, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    409: (
        _l("Changed meanwhile"),
        _l(
            "Someone else changed this while you were working. "
            "Reload the page; your change was not saved."
        ),
    ),
    413: (_l("Too large"), _l("What you sent is too large.")),
    422: (_l("Please check the form"), _l("Some fields need correcting.")),
    429: (_l("Too many attempts"), _l("Please wait a minute before trying again.")),
    500: (
        _l("Something went wrong"),
        _l(
            "The request failed and nothing was saved. "
            "Please try again. If it happens again, tell "
            "the administrator the reference below."
        ),
    ),
    503: (
        _l("Briefly unavailable"),
        _l(
            "The service is briefly unavailable. Please wait a minute and try again. "
            "If you were saving something, open the page again to check whether it was saved."
        ),
    ),
}

# Seconds a browser (or a script) is told to wait before trying again: about what a
# PostgreSQL restart or a failover takes.
RETRY_AFTER_SECONDS = 10

# PostgreSQL's answers that mean "not now" rather than "never": class 08 (the connection
# failed or was lost), the server shutting down or starting (57P01 admin shutdown, 57P02
# crash shutdown, 57P03 cannot connect now) and 53300 too many connections. Everything
# else PostgreSQL reports (an unknown column, a statement timeout, a deadlock) is the
# code's to fix or to handle, and goes to the 500 page and the error log.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite's: the file held by another writer longer than the busy timeout, or the file
# out of reach (disk unmounted, permissions). "no such table", "no such column" and
# syntax errors are OperationalError too, and are faults of the code.
UNAVAILABLE_SQLITE_ERRORS = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN")
UNAVAILABLE_SQLITE_MESSAGES = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "unable to open database file",
)
# A driver's own words for a connection that is gone, when no server answered and so
# no SQLSTATE was given (libpq's, and psycopg's for a closed connection).
CONNECTION_GONE_MESSAGES = (
    "connection is closed",
    "connection already closed",
    "connection not open",
    "closed the connection",
    "connection is lost",
    "terminating connection",
    "could not receive data from server",
    "could not send data to server",
)


def is_database_unavailable(error: BaseException) -> bool:
    """Whether a database error means the database is out of reach for a moment (a 503
    that says "try again"), rather than a fault of the code (a 500 that is logged)."""
    if isinstance(error, PoolTimeoutError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        # SQLAlchemy's dialect saw the connection closed or broken under the statement.
        return True
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate:
        return sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES
    message = str(orig).lower()
    if isinstance(orig, sqlite3.Error):
        name = getattr(orig, "sqlite_errorname", None)
        if name:
            return any(
                name == base or name.startswith(f"{base}_") for base in UNAVAILABLE_SQLITE_ERRORS
            )
        return message.startswith(UNAVAILABLE_SQLITE_MESSAGES)
    if isinstance(error, OperationalError):
        # A PostgreSQL driver's OperationalError with no SQLSTATE came from the client
        # library itself: the server refused, dropped or never answered the connection.
        return True
    # InterfaceError also covers misuse of the driver (a closed cursor, a missing
    # adapter): only a connection named as gone is "try again".
    return any(words in message for words in CONNECTION_GONE_MESSAGES)


def render_error(code: int):
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template(
        "errors/error.html",
        code=code,
        title=title,
        message=message,
        reference=getattr(g, "request_id", None),
        # The language switch returns home, not to the failed URL: an error page never
        # repeats the path or query it was given (they may carry what someone typed).
        current_path="/",
    ), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400)

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(error):
        # Two saves of one record at the same moment both passed the form's version
        # check; the UPDATE's own version condition let one through. The other is told
        # (409), and nothing of it is written: every versioned record, every view.
        db.session.rollback()
        return render_error(409)

    def database_error(error):
        # PostgreSQL restarting, a failover, a full pool: the request could not be done
        # and may be tried again in a moment (503, Retry-After). A fault of the code that
        # the driver reports with the same exception class (SQLite's "no such table", a
        # SQL syntax error) is a 500: a Retry-After would promise that it goes away, and
        # the error log would not show it as a fault.
        if not is_database_unavailable(error):
            return unexpected_error(error)
        # The page itself must not touch the database: the user's language is taken
        # while their row is still loaded, then they are shown as signed out. If loading
        # the user was what failed, the browser's language is used instead.
        with contextlib.suppress(SQLAlchemyError):
            get_locale()
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.remove()
        g._login_user = app.login_manager.anonymous_user()
        app.logger.error(
            "database unavailable (%s) in request %s",
            type(getattr(error, "orig", None) or error).__name__,
            getattr(g, "request_id", "-"),
        )
        body, code = render_error(503)
        return body, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    for kind in (OperationalError, InterfaceError, PoolTimeoutError):
        app.register_error_handler(kind, database_error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code >= 500:
            db.session.rollback()
        if code == 413:
            # The body was refused unread; anything on the error page that looks at the
            # form (the CSRF check, a language switch) must see it empty, not re-raise.
            request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
        if code == 429:
            from referral.audit import service as audit

            db.session.rollback()
            audit.record(
                "excess_rate_limit_exceeded",
                outcome="denied",
                detail={"endpoint": request.endpoint or "-"},
            )
            db.session.commit()
        return render_error(code if code in MESSAGES else 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.remove()
        # Log the type and where, never the message: it may carry a decrypted value.
        app.logger.error(
            "unhandled %s in request %s",
            type(error).__name__,
            getattr(g, "request_id", "-"),
            exc_info=app.config.get("LOG_TRACEBACKS", False),
        )
        return render_error(500)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]
