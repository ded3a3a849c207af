"""Deny by default: every endpoint declares a permission or is explicitly public."""

from flask import Blueprint

from referral.auth.access import declaration, require
from referral.auth.permissions import Permission
from tests import factories
from tests.conftest import Browser


def test_every_endpoint_declares_access(app):
    undeclared = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if declaration(app, rule.endpoint) is None
    )
    assert undeclared == []
    print(
        f"\n[security] {len(list(app.url_map.iter_rules()))} endpoints, "
        f"{len(undeclared)} undeclared"
    )


def test_an_undeclared_endpoint_is_refused_even_to_admins(app):
    # A separate app: routes cannot be added to the shared one after its first request.
    from referral import create_app

    other = create_app(
        {
            "REFERRAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "KEYS_DIR": app.config["KEYS_DIR"],
        }
    )
    bp = Blueprint("forgotten", __name__)

    @bp.get("/forgotten")
    def forgotten():
        return "survivor data"

    @bp.get("/declared")
    @require(Permission.ACCOUNT)
    def declared():
        return "fine"

    other.register_blueprint(bp)
    user = factories.UserFactory(role="admin")
    browser = Browser(other)
    assert browser.login(user.username).status_code == 302
    assert browser.get("/forgotten").status_code == 403
    assert browser.get("/declared").status_code == 200
