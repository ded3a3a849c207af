"""The base of every form: WTForms' own messages ("This field is required.") come from
the app's catalogs, which have them in Kyrgyz too (WTForms ships ru but no ky); the
msgids are listed in referral/wtforms_messages.py so that extraction keeps them."""

import wtforms
from flask_babel import get_translations
from flask_wtf import FlaskForm


class _CatalogTranslations:
    """What WTForms asks of a translations object, answered by the request's catalog."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


TRANSLATIONS = _CatalogTranslations()


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS


class SubForm(wtforms.Form):
    """A form nested with FormField (no CSRF token of its own), with the same messages."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS
