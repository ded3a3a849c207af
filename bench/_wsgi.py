"""The app as `bench.case_pages` serves it under gunicorn (`gunicorn bench._wsgi:app`):
the same `create_app` as `wsgi.py`, on the benchmark database and keys, with one extra
route, `/bench-bare`, the bare Flask endpoint the case pages are compared with.

The extra route exists only here, never in the product. BENCH_DATABASE_URL and
BENCH_KEYS_DIR say where (the defaults of `bench._cases`). BENCH_AUDIT=off makes
`audit.record` a no-op, for `bench.audit_reads`'s unaudited twin of the same pages.
Testing settings (cheap password hashing), but audit entries are sealed by the sealer
thread, as deployed.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import render_template_string

from referral import create_app
from referral.auth.access import public, require
from referral.auth.permissions import Permission

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/referral_bench"


def build():
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    keys = os.environ.get("BENCH_KEYS_DIR", str(ROOT / "instance" / "bench-keys"))
    app = create_app(
        {
            "REFERRAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "KEYS_DIR": keys,
            "AUDIT_SEAL_IN_BACKGROUND": True,
        }
    )

    if os.environ.get("BENCH_AUDIT") == "off":
        from referral.audit import service as audit

        audit.record = lambda *args, **kwargs: None

    @app.get("/bench-bare")
    @public
    def bench_bare():
        return "ok"

    # The floor under every signed-in page, for the goals stated as a share of the bare
    # endpoint: the session and user loaded and the access check passed, and nothing
    # else; then the same with the site's layout (menu, counts, language form) and an
    # empty body. No page of the product can be cheaper than these.
    @app.get("/bench-signed")
    @require(Permission.ACCOUNT)
    def bench_signed():
        return "ok"

    empty = '{% extends "base.html" %}{% block content %}<p>ok</p>{% endblock %}'

    @app.get("/bench-empty")
    @require(Permission.ACCOUNT)
    def bench_empty():
        return render_template_string(empty)

    return app


app = build()
