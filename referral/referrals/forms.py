"""Shapes of input for the caseworker's referral screens. Which answers are required, and
what consent allows, is decided in the services, so that every problem of a submission
is reported at once; these forms only read what was posted."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    TimeField,
    widgets,
)
from wtforms.validators import Optional

from referral.cases.forms.common import CHOOSE, EnumSelectField, LockVersionField, as_choices
from referral.cases.timeutil import to_utc
from referral.directory.models import ServiceType
from referral.forms import Form
from referral.referrals import sharing
from referral.referrals.models import DeclineReason, ReferralStatus, Urgency
from referral.referrals.service.proposals import SendInput, sendable_type

TEXT = {"rows": 5, "autocomplete": "off"}


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip()) if value else None
    except ValueError:
        return None


def destination_choices() -> list[tuple[str, object]]:
    return [(t.value, t.label) for t in ServiceType if sendable_type(t.value)]


class ChooseServiceForm(Form):
    """Refer elsewhere than the pathway's steps: which service (a GET form)."""

    class Meta:
        csrf = False

    service_type = SelectField(_l("Service she needs"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_type.choices = as_choices([("", CHOOSE), *destination_choices()])


class ItemsField(SelectMultipleField):
    """The share items as checkboxes. A posted item outside the offered ones is dropped,
    not refused: the server narrows what is shared whatever arrives."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label=None, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)


class SendForm(Form):
    # Chosen on the page before the form (the step, the service, the provider) and
    # checked again by the service against the proposals when posted.
    step_id = HiddenField()
    service_type = HiddenField()
    to_org_id = HiddenField()
    urgency = EnumSelectField(_l("Urgency"), enum=Urgency)
    shared_items = ItemsField(_l("What the provider is told about her"))
    summary = TextAreaField(_l("Summary for this provider"), render_kw=TEXT)
    override_reason = TextAreaField(
        _l("Send although consent does not cover it: the reason"), render_kw=TEXT
    )

    def __init__(self, *args, profile=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.shared_items.choices = as_choices(
            [(code, sharing.ITEMS[code].label) for code in profile if code != "summary"]
        )

    def to_input(self) -> SendInput:
        offered = {c.value for c in self.shared_items.choices}
        return SendInput(
            step_id=_uuid(self.step_id.data),
            service_type=sendable_type(self.service_type.data),
            to_org_id=_uuid(self.to_org_id.data),
            urgency=self.urgency.data,
            shared_items=tuple(c for c in self.shared_items.data or () if c in offered),
            summary=self.summary.data,
            override_reason=self.override_reason.data,
        )


class WithdrawForm(Form):
    lock_version = LockVersionField()
    confirmed = BooleanField(_l("Withdraw this referral: the provider no longer sees her data"))


class CompleteForm(Form):
    lock_version = LockVersionField()


class RecordResponseForm(Form):
    """The answer of a provider without an account, recorded by the caseworker."""

    lock_version = LockVersionField()
    status = SelectField(_l("The provider's answer"), validate_choice=False)
    decline_reason = EnumSelectField(_l("Why it was declined"), enum=DeclineReason)
    appointment_date = DateField(_l("Appointment date"), validators=[Optional()])
    appointment_time = TimeField(_l("Appointment time"), validators=[Optional()])
    feedback = TextAreaField(_l("What the provider told you"), render_kw=TEXT)

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = as_choices([("", CHOOSE), *((s.value, s.label) for s in statuses)])

    def chosen_status(self) -> ReferralStatus | None:
        try:
            status = ReferralStatus(self.status.data or "")
        except ValueError:
            return None
        offered = {c.value for c in self.status.choices}
        return status if status.value in offered else None

    def appointment_at(self):
        if self.appointment_date.data is None:
            return None
        return to_utc(self.appointment_date.data, self.appointment_time.data)
