"""Staff screens of the provider directory: lists, entries, and their editing.

One blueprint, its routes in one module per subject; what their forms share is here.
Row scope is in policy.py, rules in service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Blueprint, Response, flash, redirect, request
from flask_babel import gettext as _

from referral.auth.permissions import Permission
from referral.directory import service
from referral.directory.models import PhoneType
from referral.extensions import db

bp = Blueprint("directory", __name__, url_prefix="/directory")

READ = Permission.DIRECTORY_READ
EDIT = (Permission.DIRECTORY_MANAGE, Permission.DIRECTORY_EDIT_OWN)
MANAGE = Permission.DIRECTORY_MANAGE


def uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def enum_or_none(enum_cls, value):
    return enum_cls(value) if value in enum_cls._value2member_map_ else None


def show_error(form, exc: service.DirectoryError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*list(target.errors or []), exc.message]
    else:
        flash(exc.message, "error")


def phones_of(form) -> list[service.PhoneInput]:
    return [
        service.PhoneInput(
            number=entry.form.number.data,
            phone_type=PhoneType(entry.form.phone_type.data),
            description=entry.form.description.data or "",
        )
        for entry in form.phones.entries
        if entry.form.number.data
    ]


def fill_phones(form, phones) -> None:
    while form.phones.entries:
        form.phones.pop_entry()
    for phone in phones:
        form.phones.append_entry(
            {
                "number": phone.number,
                "phone_type": phone.phone_type.value,
                "description": phone.description,
            }
        )


def saved_message(changed: list[str]) -> str:
    return _("Saved.") if changed else _("Nothing changed.")


def save_form(form, action: Callable[[], tuple[str, str]]) -> Response | None:
    """When the form is valid, run `action` (it returns the message to flash and where to
    go next), commit and redirect. A rule's refusal rolls back and is shown on its field;
    None means: show the form again."""
    if not form.validate_on_submit():
        return None
    try:
        message, url = action()
    except service.DirectoryError as exc:
        db.session.rollback()
        show_error(form, exc)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(url)


def form_status() -> int:
    """200 for a GET; 422 when a submitted form is shown again because it was refused."""
    return 422 if request.method == "POST" else 200


# Routes register themselves on `bp` when imported.
from referral.directory.views import (  # noqa: E402
    lists,
    locations,
    organisations,
    services,
    sites,
)

__all__ = ["bp", "lists", "locations", "organisations", "services", "sites"]
