"""The request's translations, looked up once: a list page translates a few hundred
strings (labels of statuses and risks, column names), and each of Flask-Babel's own
look-ups walks the request's locale and domain anew."""

from __future__ import annotations

import flask_babel
from flask import g, has_app_context


def translations():
    """Flask-Babel's translations for now, looked up again only when the request's
    locale or domain changes (`force_locale`, `refresh`)."""
    ctx = g.get("_flask_babel") if has_app_context() else None
    cached = getattr(ctx, "referral_translations", None)
    if (
        cached is not None
        and cached[0] is getattr(ctx, "babel_locale", None)
        and cached[1] is getattr(ctx, "babel_domain", None)
    ):
        return cached[2]
    found = flask_babel.get_translations()
    ctx = g.get("_flask_babel") if has_app_context() else None  # made by the look-up
    locale = getattr(ctx, "babel_locale", None)
    if locale is not None:
        ctx.referral_translations = (locale, getattr(ctx, "babel_domain", None), found)
    return found


def text_of(lazy) -> str:
    """What `str(lazy_gettext(s))` gives, through the cached translations; anything but
    a plain lazy gettext (variables, another function) goes the usual way."""
    if (
        type(lazy) is flask_babel.LazyString
        and lazy._func is flask_babel.gettext
        and len(lazy._args) == 1
        and not lazy._kwargs
    ):
        return translations().ugettext(lazy._args[0])
    return str(lazy)
