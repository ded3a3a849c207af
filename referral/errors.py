"""Friendly error pages in the user's language. A 500 rolls the session back and
shows nothing of what failed: no stack trace, no values."""

import contextlib
import uuid

from flask import Flask, g, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
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

    def database_unavailable(error):
        # PostgreSQL restarting, a failover, a full pool: the request could not be done
        # and may be tried again in a moment (503, Retry-After), not a fault of the code
        # (500). The page itself must not touch the database: the user's language is
        # taken while their row is still loaded, then they are shown as signed out.
        # If loading the user was what failed, the browser's language is used instead.
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
        app.register_error_handler(kind, database_unavailable)

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
        db.session.rollback()
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
