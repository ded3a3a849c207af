"""Per-request plumbing: request ids, language choice and security headers."""

import io

from flask import Flask, Request, abort, current_app, g, has_request_context, request, session
from flask_login import current_user

from referral.errors import new_request_id

# ASVS 3.4: a strict policy. Everything is served from this host; no inline script.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def select_locale() -> str:
    """?lang= (public pages, which keep no cookie), then the user's choice, then the
    browser's. A signed-in user's saved language wins over the browser."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak English
        return "en"
    if (lang := request.args.get("lang")) in languages:
        return lang
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if (lang := session.get("lang")) in languages:
        return lang
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def assign_request_id():
    g.request_id = new_request_id()


def refuse_nul_characters():
    """No one types a NUL; PostgreSQL cannot store one, and a query with one fails.
    Refuse such input at the door with the "could not be read" page (400)."""
    for values in (request.args, request.form):
        for value in values.values():
            if "\x00" in value:
                abort(400)


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages may show survivor data: never keep them in a shared computer's cache.
        headers["Cache-Control"] = "no-store"
    headers["X-Request-Id"] = g.get("request_id", "")
    return response


class InMemoryUploadRequest(Request):
    """Uploaded files stay in memory (bounded by MAX_CONTENT_LENGTH): werkzeug would spool
    a file over 500 KB to a temporary file, and a survivor's scanned document may reach
    the disk only encrypted (cases.service.attachments)."""

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        return io.BytesIO()


def register_request_hooks(app: Flask) -> None:
    from referral.audit.service import seal_after_request
    from referral.auth.access import enforce_declared_access

    app.request_class = InMemoryUploadRequest

    app.before_request(assign_request_id)
    app.before_request(refuse_nul_characters)
    app.before_request(enforce_declared_access)
    app.after_request(security_headers)
    app.teardown_request(seal_after_request)
