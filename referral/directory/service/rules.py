"""What every directory change shares: the refusal a rule raises, the rules that the
staff screens and the HSDS import both apply, and which fields an update changed."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from referral.crypto.blind_index import normalise_phone

# Kyrgyz short numbers: emergency services (101-104, 112) and helplines (111, 1212, 150).
SHORT_NUMBER = re.compile(r"[1-9][0-9]{2,3}")
PHONE_MESSAGE = _l(
    "This is not a phone number we can use: a Kyrgyz number has 9 digits after 0 or +996 "
    "(e.g. 0312 123 456), another country's number starts with +, a short number has 3 "
    "or 4 digits."
)


class DirectoryError(ValueError):
    """A rule refused the change; `field` names the form field to show it on."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def require_name(data) -> None:
    """Raises DirectoryError unless `data` has a name in Kyrgyz, Russian or English."""
    if not (data.name_ky or data.name_ru or data.name_en):
        raise DirectoryError(_l("Give the name in at least one language."), "name_ru")


def check_website(website: str | None) -> None:
    if website and not website.startswith(("https://", "http://")):
        raise DirectoryError(_l("A website address starts with https://"), "website")


def phone_is_valid(number: str) -> bool:
    """The rule the case screens apply (a number that normalises to E.164), plus the short
    numbers of emergency services and helplines."""
    return bool(SHORT_NUMBER.fullmatch(number.strip()) or normalise_phone(number))


def check_phones(numbers) -> None:
    for position, number in enumerate(numbers):
        if not phone_is_valid(number):
            raise DirectoryError(PHONE_MESSAGE, f"phones-{position}-number")


LOCATION_MESSAGE = _l("Choose where the organisation is: its city or rayon.")


def require_location(location_id) -> None:
    if location_id is None:
        raise DirectoryError(LOCATION_MESSAGE, "location_id")


def check_ages(minimum_age: int | None, maximum_age: int | None) -> None:
    ages = (minimum_age, maximum_age)
    if any(a is not None and not 0 <= a <= 120 for a in ages):
        raise DirectoryError(_l("Ages are between 0 and 120."), "minimum_age")
    if None not in ages and minimum_age > maximum_age:
        raise DirectoryError(_l("The minimum age is above the maximum age."), "maximum_age")


def snapshot(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def changed_fields(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


def assign(obj, data, names) -> list[str]:
    """Copy the named fields from `data` onto `obj`; returns those whose value changed
    (what the audit event and the "Nothing changed." message are built from)."""
    before = snapshot(obj, names)
    for name in names:
        setattr(obj, name, getattr(data, name))
    return changed_fields(before, snapshot(obj, names))
