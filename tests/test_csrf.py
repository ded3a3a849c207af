"""Every state-changing route refuses a request without a CSRF token, and no GET
route changes state (ASVS 3.5.1, 3.5.3)."""

import re
import uuid

from tests.conftest import Browser

PARAM = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _value(match) -> str:
    converter, arguments = match.group(1), match.group(2)
    if converter == "any":  # <any(a, b):kind>: the first of its values
        return arguments.split(",")[0].strip().strip("'\"")
    return str(uuid.uuid4()) if converter in (None, "string", "uuid") else "1"


def _url(rule) -> str:
    return PARAM.sub(_value, rule.rule)


# Read-only public searches that must work without a cookie (so without a token), and
# the sign-in form, which leaves no cookie before someone signs in: it refuses a POST
# from another site by the browser's origin headers (tests/auth/test_views.py).
EXEMPT = {"finder.index", "auth.login"}


def test_only_read_only_public_searches_are_exempt(app):
    from referral.extensions import csrf

    exempt = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    assert exempt == EXEMPT


def test_every_post_route_refuses_a_request_without_token(app, login_as):
    rules = [
        r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in EXEMPT
    ]
    assert rules, "no POST routes found"
    admin = login_as("admin")
    anonymous = Browser(app)
    for rule in rules:
        for browser in (anonymous, admin):
            response = browser.post(_url(rule), {}, csrf=False)
            assert response.status_code == 400, f"{rule.rule} answered {response.status_code}"
    print(f"\n[security] CSRF: {len(rules)}/{len(rules)} POST routes refuse a missing token")
