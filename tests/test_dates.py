"""Dates and times on pages: the fast filters print exactly what Babel prints, in every
language, in Bishkek time."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import format_date as babel_date
from flask_babel import format_datetime as babel_datetime

from referral import dates


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
@pytest.mark.parametrize("fmt", ["medium", "long", "dd.MM.y HH:mm"])
def test_the_fast_filters_print_what_babel_prints(app, lang, fmt):
    start = datetime(2026, 1, 1, 0, 7, tzinfo=UTC)
    moments = [start + timedelta(hours=h * 7, minutes=h * 13) for h in range(400)]
    with app.test_request_context(), force_locale(lang):
        for moment in moments:
            assert dates.format_datetime(moment, fmt) == babel_datetime(moment, fmt)
            day = moment.date()
            assert dates.format_date(day, fmt if fmt != "dd.MM.y HH:mm" else "medium") == (
                babel_date(day, fmt if fmt != "dd.MM.y HH:mm" else "medium")
            )


def test_times_are_shown_in_bishkek(app):
    with app.test_request_context(), force_locale("ru"):
        # 18:30 UTC on 31 December is 00:30 on 1 January in Bishkek (UTC+6 all year).
        assert dates.format_datetime(datetime(2026, 12, 31, 18, 30, tzinfo=UTC), "short") == (
            "1 янв. 2027\u202fг., 00:30"
        )


@pytest.mark.parametrize(
    ("lang", "moment", "day"),
    [
        ("en", "Dec 2, 2026, 2:36\u202fPM", "Mar 8, 2026"),
        ("ru", "2 дек. 2026\u202fг., 14:36", "8 мар. 2026\u202fг."),
        ("ky", "2026-ж., 2-дек. 14:36", "2026-ж., 8-мар."),
    ],
)
def test_short_dates_name_the_month_so_no_reader_swaps_day_and_month(app, lang, moment, day):
    # "12/2/26" is 2 December in English and 12 February to a Russian reader.
    with app.test_request_context(), force_locale(lang):
        assert dates.format_datetime(datetime(2026, 12, 2, 8, 36, tzinfo=UTC), "short") == moment
        assert dates.format_date(date(2026, 3, 8), "short") == day
