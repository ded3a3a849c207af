"""Jinja globals: permission checks for showing links (never the check itself), and the
templates' translations, looked up once per request (referral.i18n)."""

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

from referral import dates
from referral.auth.forms import LANGUAGE_CHOICES, EmptyForm
from referral.auth.permissions import Permission
from referral.i18n import translations


def install(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    # Globals (not context) so that imported macros see them too. A function, so that
    # pages which must set no cookie (the public finder) never create a CSRF token.
    app.jinja_env.globals["button_form"] = EmptyForm
    dates.install(app)

    @app.context_processor
    def globals_():
        return {
            "Permission": Permission,
            "can": lambda p: bool(
                current_user.is_authenticated
                and current_user.session_complete
                and current_user.can(p)
            ),
            "languages": LANGUAGE_CHOICES,
            "current_lang": str(get_locale() or "ru"),
            "current_path": request.full_path.rstrip("?"),
        }
