"""Opening hours: weekly schedules (HSDS `byday`, iCal day codes) and their display.

Staff enter them as rows of days and times (directory.forms.HoursRowForm); the short
text form ("Mo-Fr 09:00-18:00; Sa 10:00-14:00") is parsed only for the demo's seed.
Pages show the days in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_TIME = r"([01]?\d|2[0-3]):([0-5]\d)"
_RULE = re.compile(rf"^(?P<days>[A-Za-z,\- ]+?)\s+{_TIME}\s*-\s*{_TIME}$")


class HoursError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class HoursRule:
    days: tuple[str, ...]  # iCal day codes in week order
    opens_at: time
    closes_at: time


def _parse_days(text: str) -> tuple[str, ...]:
    days: list[str] = []
    for part in text.replace(" ", "").upper().split(","):
        if "-" in part:
            first, _sep, last = part.partition("-")
            if first not in DAYS or last not in DAYS or DAYS.index(first) > DAYS.index(last):
                raise HoursError(_l("Unknown days “%(days)s”.", days=part))
            days.extend(DAYS[DAYS.index(first) : DAYS.index(last) + 1])
        elif part in DAYS:
            days.append(part)
        else:
            raise HoursError(_l("Unknown days “%(days)s”.", days=part))
    return tuple(d for d in DAYS if d in days)


def parse_hours(text: str) -> list[HoursRule]:
    """Rules separated by ';' or new lines. Raises HoursError with a readable message."""
    rules = []
    for raw in re.split(r"[;\n]", text or ""):
        chunk = raw.strip()
        if not chunk:
            continue
        match = _RULE.match(chunk)
        if not match:
            raise HoursError(
                _l(
                    "“%(rule)s” is not understood. Write days then hours, "
                    "for example: Mo-Fr 09:00-18:00; Sa 10:00-14:00",
                    rule=chunk[:40],
                )
            )
        opens = time(int(match.group(2)), int(match.group(3)))
        closes = time(int(match.group(4)), int(match.group(5)))
        if closes <= opens:
            raise HoursError(
                _l(
                    "In “%(rule)s” the closing time is not after the opening time. "
                    "For a service open day and night, tick “Open 24 hours”.",
                    rule=chunk[:40],
                )
            )
        rules.append(HoursRule(_parse_days(match.group("days")), opens, closes))
    return rules


def _days_text(days: tuple[str, ...], names: list[str]) -> str:
    """Consecutive days as ranges: MO,TU,WE -> 'Mo-We'."""
    indexes = [DAYS.index(d) for d in days]
    groups: list[list[int]] = []
    for i in indexes:
        if groups and groups[-1][-1] == i - 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    parts = []
    for group in groups:
        if len(group) >= 3:
            parts.append(f"{names[group[0]]}-{names[group[-1]]}")
        else:
            parts.extend(names[i] for i in group)
    return ",".join(parts)


def day_choices() -> list[tuple[str, str]]:
    """(iCal code, day name in the request's language), Monday first."""
    try:
        locale = str(get_locale() or "en")
    except RuntimeError:
        locale = "en"
    week = get_day_names("abbreviated", locale=locale)
    return [(code, week[i][:1].upper() + week[i][1:]) for i, code in enumerate(DAYS)]


def hours_display(rules) -> list[str]:
    """Lines for a page, with day names in the request's language."""
    try:
        locale = str(get_locale() or "en")
    except RuntimeError:
        locale = "en"
    week = get_day_names("abbreviated", locale=locale)
    names = [week[i] for i in range(7)]
    return [
        f"{_days_text(tuple(r.byday.split(',')), names)} {r.opens_at:%H:%M}–{r.closes_at:%H:%M}"
        for r in rules
    ]
