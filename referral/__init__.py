"""The GBV referral pathway application. `create_app` reads like a table of contents."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


class StartupError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure_settings(app, config or {})
    configure_database(app)
    configure_extensions(app)
    configure_keys(app)
    configure_templates(app)
    register_blueprints(app)
    register_hooks(app)
    register_cli(app)
    return app


def configure_settings(app: Flask, overrides: dict) -> None:
    from referral.settings import check_production_settings, load_settings

    env_name = overrides.get("REFERRAL_ENV") or os.environ.get("REFERRAL_ENV", "development")
    load_settings(app, env_name, overrides)
    if app.config["ENV_NAME"] == "production":
        problems = check_production_settings(app.config)
        if problems:
            raise StartupError("refusing to start in production: " + "; ".join(problems))


def configure_database(app: Flask) -> None:
    from referral import dbsetup

    dbsetup.install_sqlite_pragmas()


def configure_extensions(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from referral.auth import service as accounts
    from referral.extensions import babel, csrf, db, limiter, login_manager, migrate
    from referral.web import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "referral" / "translations"),
    )
    login_manager.init_app(app)
    login_manager.session_protection = None  # server-side sessions do this job (see docs)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(accounts.load_session)
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1, x_host=1
        )


def configure_keys(app: Flask) -> None:
    from referral.crypto.keyring import Keyring, KeyringError

    keys_dir = Path(app.config["KEYS_DIR"])
    if not keys_dir.is_absolute():
        keys_dir = Path(app.instance_path) / keys_dir
    env = dict(os.environ) if app.config["KEYS_FROM_ENV"] else None
    try:
        ring = Keyring.from_directory(
            keys_dir, enforce_mode=app.config["ENFORCE_KEY_FILE_MODE"], env=env
        )
    except KeyringError as exc:
        raise StartupError(f"refusing to start: {exc}") from exc
    app.extensions["referral_keyring"] = ring


def configure_templates(app: Flask) -> None:
    from referral.templating import install

    install(app)


BLUEPRINTS = (
    "referral.auth.views:bp",
    "referral.auth.views:users_bp",
    "referral.home.views:bp",
    "referral.audit.views:bp",
    "referral.cases.views:bp",
    "referral.referrals.views:bp",
    "referral.notifications.views:bp",
    "referral.committees.views:bp",
    "referral.directory.views:bp",
    "referral.directory.finder:bp",
    "referral.info.views:rights_bp",
    "referral.info.views:bp",
    "referral.directory.exchange.views:bp",
    "referral.stats.views:bp",
    "referral.ops.views:bp",
)
# Modules that register home panels or other hooks when imported.
PLUGINS = (
    "referral.home.panels",
    "referral.cases.panels",
    "referral.referrals.service",  # registers the erasure of referral steps
    "referral.referrals.panels",
    "referral.committees.panels",
    "referral.directory.panels",
)


def register_blueprints(app: Flask) -> None:
    for spec in BLUEPRINTS:
        module_name, attr = spec.split(":")
        app.register_blueprint(getattr(importlib.import_module(module_name), attr))
    for module_name in PLUGINS:
        importlib.import_module(module_name)


def register_hooks(app: Flask) -> None:
    from referral.errors import register_error_handlers
    from referral.web import register_request_hooks

    register_request_hooks(app)
    register_error_handlers(app)


def register_cli(app: Flask) -> None:
    from referral.cli import register

    register(app)
