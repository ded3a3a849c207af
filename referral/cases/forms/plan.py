"""Shapes of input for the action plan, follow-ups, protection orders and case notes;
the rules (dates in order, owner of the centre, author-only edits) live in the
services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from referral.cases.forms.common import (
    CheckboxesField,
    EnumSelectField,
    LockVersionField,
    UUIDSelectField,
    as_choices,
)
from referral.cases.models.plan import (
    RECORDED_ORDER_STATUSES,
    FollowUpType,
    IssuingBody,
    OrderCondition,
    OrderKind,
    OrderStatus,
    PlanArea,
    Progress,
    ServicesReceived,
)
from referral.directory.models import SERVICE_TYPE_LABELS, ServiceType
from referral.forms import Form

NO_AUTOFILL = {"autocomplete": "off"}


def _text(label, max_length: int) -> TextAreaField:
    return TextAreaField(
        label, validators=[Optional(), Length(max=max_length)], render_kw=NO_AUTOFILL
    )


class ServiceTypeField(SelectField):
    """A planned service type (directory.ServiceType, not a LabelledEnum); `data` is the
    member or None."""

    def __init__(self, label=None, **kw):
        choices = as_choices(
            [("", _l("— none yet —"))]
            + [(t.value, SERVICE_TYPE_LABELS[t]) for t in ServiceType if t.is_referral_destination]
        )
        super().__init__(label, choices=choices, coerce=self._coerce, **kw)

    @staticmethod
    def _coerce(value):
        if value is None or value == "" or isinstance(value, ServiceType):
            return value or None
        try:
            return ServiceType(str(value).strip())
        except ValueError:
            return None

    def pre_validate(self, form):
        raw = self.raw_data[0] if self.raw_data else ""
        allowed = {str(c.value) for c in self.choices if c.value}
        if raw.strip() and (self.data is None or self.data.value not in allowed):
            raise ValidationError(_l("Choose one of the options."))


class ActionItemForm(Form):
    area = EnumSelectField(_l("Need area"), enum=PlanArea)
    goal = _text(_l("Goal agreed with her"), 2000)
    service_type = ServiceTypeField(_l("Planned service"))
    owner_id = UUIDSelectField(_l("Responsible caseworker"))
    due_date = DateField(_l("Due date"), validators=[Optional()])
    progress = EnumSelectField(_l("Progress"), enum=Progress, required=True)


class EditActionItemForm(ActionItemForm):
    lock_version = LockVersionField()


class MarkMetForm(Form):
    lock_version = LockVersionField()


class FollowUpForm(Form):
    held_on = DateField(_l("Date of the follow-up"), validators=[Optional()])
    kind = EnumSelectField(_l("How"), enum=FollowUpType)
    services_received = EnumSelectField(
        _l("Did she receive the services she was referred to?"), enum=ServicesReceived
    )
    services_details = _text(_l("Which services, and what is still missing"), 5000)
    risk_reassessed = BooleanField(_l("Her risk was re-assessed"))
    notes = _text(_l("Notes"), 5000)
    next_date = DateField(_l("Next follow-up"), validators=[Optional()])
    recommend_closure = BooleanField(_l("I recommend closing the case"))


class EditFollowUpForm(FollowUpForm):
    lock_version = LockVersionField()


class OrderForm(Form):
    kind = EnumSelectField(_l("Kind of order"), enum=OrderKind)
    issuing_body = EnumSelectField(_l("Issued by"), enum=IssuingBody)
    issuing_unit = StringField(_l("Department or court"), validators=[Optional(), Length(max=200)])
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    extended_until = DateField(_l("Extended until"), validators=[Optional()])
    conditions = CheckboxesField(
        _l("Conditions"), choices=as_choices(OrderCondition.choices()), validators=[Optional()]
    )
    conditions_text = _text(_l("Conditions in the order's words"), 5000)
    status = SelectField(
        _l("Status"),
        choices=as_choices((s.value, OrderStatus.LABELS[s]) for s in RECORDED_ORDER_STATUSES),
        default=OrderStatus.ACTIVE.value,
    )
    incident_id = UUIDSelectField(_l("Incident it answers"))

    def conditions_data(self) -> tuple[OrderCondition, ...]:
        return tuple(OrderCondition(v) for v in self.conditions.data or ())

    def status_data(self) -> OrderStatus:
        return OrderStatus(self.status.data or OrderStatus.ACTIVE.value)


class EditOrderForm(OrderForm):
    lock_version = LockVersionField()


class ViolationForm(Form):
    occurred_on = DateField(_l("Date of the violation"), validators=[Optional()])
    description = _text(_l("What happened"), 5000)


class NoteForm(Form):
    text = _text(_l("Note"), 10_000)


class EditNoteForm(NoteForm):
    lock_version = LockVersionField()


__all__ = [
    "ActionItemForm",
    "EditActionItemForm",
    "EditFollowUpForm",
    "EditNoteForm",
    "EditOrderForm",
    "FollowUpForm",
    "MarkMetForm",
    "NoteForm",
    "OrderForm",
    "ViolationForm",
]
