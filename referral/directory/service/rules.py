"""What every directory change shares: the refusal a rule raises, the rules that the
staff screens and the HSDS import both apply, and which fields an update changed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


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
