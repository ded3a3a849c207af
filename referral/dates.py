"""Fast locale-aware date and time formatting for pages that show many of them (a list
of 50 cases, a timeline). Babel's `format_datetime` re-reads the locale's patterns and
formats each field through a generic lookup on every call, about 40 µs; here the
pattern is parsed once per (locale, format) and the common fields are filled directly,
with Babel itself for any field this module does not know. The output is Babel's."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from flask import g
from flask_babel import get_locale, get_timezone

_FAST = {
    "d": lambda v: str(v.day),
    "dd": lambda v: f"{v.day:02d}",
    "M": lambda v: str(v.month),
    "MM": lambda v: f"{v.month:02d}",
    "y": lambda v: str(v.year),
    "yyyy": lambda v: f"{v.year:04d}",
    "yy": lambda v: f"{v.year % 100:02d}",
    "H": lambda v: str(v.hour),
    "HH": lambda v: f"{v.hour:02d}",
    "h": lambda v: str(v.hour % 12 or 12),
    "hh": lambda v: f"{v.hour % 12 or 12:02d}",
    "mm": lambda v: f"{v.minute:02d}",
    "ss": lambda v: f"{v.second:02d}",
}


# Fields named in words, taken from Babel once per locale: the month (by its number) and
# the period of the day (by whether the hour is past noon). Babel's own lookup of a month
# name re-reads the locale data on every call, most of a date's cost.
_NAMED = {
    "MMM": lambda v: v.month,
    "MMMM": lambda v: v.month,
    "a": lambda v: v.hour >= 12,
}


@lru_cache(maxsize=64)
def _names(locale_name: str, key: str) -> dict:
    locale = Locale.parse(locale_name)
    if key == "a":
        samples = {False: datetime(2000, 1, 1, 1), True: datetime(2000, 1, 1, 13)}
    else:
        samples = {m: datetime(2000, m, 1) for m in range(1, 13)}
    return {k: babel_dates.DateTimeFormat(v, locale)[key] for k, v in samples.items()}


class _Fields(dict):
    """The fields of one value for `pattern.format % fields`: common ones computed
    here, any other through Babel's DateTimeFormat."""

    __slots__ = ("locale", "name", "slow", "value")

    def __init__(self, value, locale, name):
        super().__init__()
        self.value, self.locale, self.name, self.slow = value, locale, name, None

    def __missing__(self, key):
        fast = _FAST.get(key)
        if fast is not None:
            return fast(self.value)
        named = _NAMED.get(key)
        if named is not None:
            return _names(self.name, key)[named(self.value)]
        if self.slow is None:
            self.slow = babel_dates.DateTimeFormat(self.value, self.locale)
        return self.slow[key]


def _date_style(fmt: str) -> str:
    # CLDR's short dates are all digits, read differently across the languages of one
    # team ("12/2/26" is 12 February to a Russian reader, 2 December in English): a date
    # here always names its month, the "medium" style, whatever the caller asked.
    return "medium" if fmt == "short" else fmt


@lru_cache(maxsize=64)
def _datetime_pattern(locale_name: str, fmt: str) -> str:
    locale = Locale.parse(locale_name)
    if fmt in ("short", "medium", "long", "full"):
        date_part = babel_dates.get_date_format(_date_style(fmt), locale).pattern
        time_part = babel_dates.get_time_format(fmt, locale).pattern
        joined = babel_dates.get_datetime_format(fmt, locale)
        pattern = joined.replace("{1}", date_part).replace("{0}", time_part)
    else:
        pattern = fmt
    return babel_dates.parse_pattern(pattern).format


@lru_cache(maxsize=64)
def _date_pattern(locale_name: str, fmt: str) -> str:
    locale = Locale.parse(locale_name)
    if fmt in ("short", "medium", "long", "full"):
        pattern = babel_dates.get_date_format(_date_style(fmt), locale).pattern
        return babel_dates.parse_pattern(pattern).format
    return babel_dates.parse_pattern(fmt).format


def _request_locale():
    """The request's locale and time zone, looked up once per request."""
    cached = g.get("_dates_locale")
    if cached is None:
        locale = get_locale() or Locale.parse("en")
        cached = g._dates_locale = (str(locale), locale, get_timezone())
    return cached


def format_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    name, locale, tz = _request_locale()
    if value.tzinfo is not None:
        value = value.astimezone(tz)
    return _datetime_pattern(name, fmt) % _Fields(value, locale, name)


def format_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    name, locale, tz = _request_locale()
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(tz)
    return _date_pattern(name, fmt) % _Fields(value, locale, name)


def install(app) -> None:
    """Replace Flask-Babel's `datetimeformat` and `dateformat` template filters."""
    app.jinja_env.filters["datetimeformat"] = format_datetime
    app.jinja_env.filters["dateformat"] = format_date
