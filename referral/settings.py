"""Layered configuration: defaults, environment module, REFERRAL_* variables, *_FILE
secrets, then explicit overrides."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from flask import Flask

ENVIRONMENTS = ("development", "testing", "production")
PLACEHOLDER_SECRETS = {
    "insecure-default-secret-key",
    "development-only-secret-key-not-for-production",
    "testing-only-secret-key",
}
# Settings that may come from a mounted file (Docker/systemd credentials).
FILE_SETTINGS = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_STORAGE_URI")


def normalise_database_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(app: Flask, env_name: str, overrides: dict) -> None:
    if env_name not in ENVIRONMENTS:
        from referral import StartupError

        raise StartupError(f"REFERRAL_ENV must be one of {', '.join(ENVIRONMENTS)}")
    app.config.from_object("config.defaults")
    app.config.from_object(importlib.import_module(f"config.{env_name}"))
    app.config.from_prefixed_env("REFERRAL")
    if url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    for name in FILE_SETTINGS:
        path = os.environ.get(f"REFERRAL_{name}_FILE") or os.environ.get(f"{name}_FILE")
        if path:
            app.config[name] = Path(path).read_text().strip()
    app.config.update({k: v for k, v in overrides.items() if k != "REFERRAL_ENV"})
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )


def check_production_settings(config) -> list[str]:
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if secret in PLACEHOLDER_SECRETS or len(secret) < 32:
        problems.append(
            "SECRET_KEY is a default or shorter than 32 characters (set SECRET_KEY_FILE)"
        )
    if config.get("DEBUG"):
        problems.append("DEBUG is on")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not config.get(
        "ALLOW_SQLITE_IN_PRODUCTION"
    ):
        problems.append(
            "the database is SQLite (set REFERRAL_ALLOW_SQLITE_IN_PRODUCTION=true "
            "to allow it deliberately)"
        )
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://") and config.get(
        "RATELIMIT_ENABLED", True
    ):
        problems.append(
            "rate limits are kept in process memory: each worker would count alone "
            "(set REFERRAL_RATELIMIT_STORAGE_URI=redis://...)"
        )
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE is off")
    return problems
