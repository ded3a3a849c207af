"""One path from form to commit: the rule-error type every service raises, and the one
helper every view uses to answer a refused form.

A service collects every broken rule of one submission before raising, so the person
sees all the fields to correct at once:

    problems = Problems()
    if data.incident_at > now:
        problems.add("incident_at", _l("The incident cannot be in the future."))
    problems.raise_if_any()

and the view answers with `refused(form, error, template, **context)`: the transaction
is rolled back, every message lands on its field (or above the form) and the form is
shown again with what was typed, status 422.
"""

from __future__ import annotations

from flask import render_template

from referral.extensions import db


class RuleError(Exception):
    """A business rule refused the action. Each message is safe to show (translated,
    without any value the survivor gave) and names the form field it belongs to (None:
    the form as a whole)."""

    def __init__(self, message=None, field: str | None = None, *, errors=None):
        self.errors: list[tuple[str | None, object]] = list(errors or [])
        if message is not None:
            self.errors.insert(0, (field, message))
        if not self.errors:
            raise ValueError("a RuleError needs at least one message")
        super().__init__("; ".join(str(m) for _f, m in self.errors))

    @property
    def message(self):
        return self.errors[0][1]

    @property
    def field(self) -> str | None:
        return self.errors[0][0]


class Problems:
    """Collects the broken rules of one submission."""

    def __init__(self):
        self.errors: list[tuple[str | None, object]] = []

    def add(self, field: str | None, message) -> None:
        self.errors.append((field, message))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, error_type: type[RuleError] = RuleError) -> None:
        if self.errors:
            raise error_type(errors=self.errors)


def attach_errors(form, error: RuleError) -> None:
    """Put each message on its field; messages without a (known) field go above the form."""
    for field_name, message in error.errors:
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(message)
        else:
            form.form_errors.append(message)


def refused(form, error: RuleError, template: str, **context):
    """Roll back the unit of work and show the form again with every error, 422."""
    db.session.rollback()
    attach_errors(form, error)
    return render_template(template, form=form, **context), 422


def rules_too(form, check) -> None:
    """For a form that failed its shape checks: also run the service's rule check on what
    could be read, so that one submission shows every error (not one batch per submit).
    `check()` raises RuleError; messages already on a field are not repeated."""
    try:
        check()
    except RuleError as error:
        fresh = [
            (name, message)
            for name, message in error.errors
            if not (name and getattr(form, name, None) is not None and getattr(form, name).errors)
        ]
        if fresh:
            attach_errors(form, RuleError(errors=fresh))
