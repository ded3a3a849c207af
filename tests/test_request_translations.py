"""Translations looked up once per request still follow the request's language: a
change of language within a request (`force_locale`, used for a recipient's language)
changes both the labels and the templates' strings."""

from flask import render_template_string
from flask_babel import force_locale

from referral.cases.models import CaseStatus


def test_labels_and_template_strings_follow_the_language_of_the_moment(app):
    page = '{{ _("Survivor") }} / {{ status.label }}'
    with app.test_request_context("/?lang=ru"):
        russian = render_template_string(page, status=CaseStatus.OPEN)
        with force_locale("en"):
            english = render_template_string(page, status=CaseStatus.OPEN)
            assert CaseStatus.OPEN.label == "Open"
        with force_locale("ky"):
            kyrgyz = render_template_string(page, status=CaseStatus.OPEN)
        assert render_template_string(page, status=CaseStatus.OPEN) == russian
    assert english == "Survivor / Open"
    assert len({russian, english, kyrgyz}) == 3, (russian, english, kyrgyz)
