"""Probes for the proxy, the process manager and an orchestrator.

Both are public and answer before any sign-in logic: they carry no data, set no cookie
and are cheap enough to be polled every few seconds by every load balancer.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from referral.auth.access import public
from referral.crypto.keyring import PURPOSES, KeyringError
from referral.extensions import db

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def healthz():
    """The process is up and answering. Never touches the database: a database outage
    must not make a supervisor restart every healthy worker."""
    return jsonify(status="ok")


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    db.session.rollback()
    return True


def _keys_ok() -> bool:
    ring = current_app.extensions.get("referral_keyring")
    if ring is None:
        return False
    try:
        for purpose in PURPOSES:
            ring.active_key(purpose)
    except (KeyError, KeyringError):
        return False
    return True


@bp.get("/readyz")
@public
def readyz():
    """Ready to serve users: the database answers and the key ring holds an active key
    of every purpose. 503 otherwise, so the proxy sends no one to this instance. Says
    which check failed, never why (an exception message may name hosts or paths)."""
    checks = {
        "database": "ok" if _database_ok() else "failed",
        "keys": "ok" if _keys_ok() else "failed",
    }
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ready" if ready else "unavailable", **checks), 200 if ready else 503
