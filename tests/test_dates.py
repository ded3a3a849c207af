"""Dates and times on pages: the fast filters print exactly what Babel prints, in every
language, in Bishkek time."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import format_date as babel_date
from flask_babel import format_datetime as babel_datetime

from referral import dates


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
@pytest.mark.parametrize("fmt", ["short", "medium", "long", "dd.MM.y HH:mm"])
def test_the_fast_filters_print_what_babel_prints(app, lang, fmt):
    start = datetime(2026, 1, 1, 0, 7, tzinfo=UTC)
    moments = [start + timedelta(hours=h * 7, minutes=h * 13) for h in range(400)]
    with app.test_request_context(), force_locale(lang):
        for moment in moments:
            assert dates.format_datetime(moment, fmt) == babel_datetime(moment, fmt)
            day = moment.date()
            assert dates.format_date(day, fmt if fmt != "dd.MM.y HH:mm" else "short") == (
                babel_date(day, fmt if fmt != "dd.MM.y HH:mm" else "short")
            )


def test_times_are_shown_in_bishkek(app):
    with app.test_request_context(), force_locale("ru"):
        # 18:30 UTC on 31 December is 00:30 on 1 January in Bishkek (UTC+6 all year).
        assert dates.format_datetime(datetime(2026, 12, 31, 18, 30, tzinfo=UTC), "short") == (
            "01.01.2027, 00:30"
        )
        assert dates.format_date(date(2026, 3, 8), "short") == "08.03.2026"
