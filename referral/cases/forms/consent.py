"""Shapes of input for consent. Which answers are required, and when (a child, a
release), is decided in service.consent so that every missing answer is reported at
once."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, TextAreaField
from wtforms.validators import Length, Optional

from referral.cases.forms.common import (
    CheckboxesField,
    EnumSelectField,
    LockVersionField,
)
from referral.cases.models import (
    ChildAssent,
    ConsentDecision,
    ConsentGiver,
    ConsentKind,
    ConsentMethod,
)
from referral.cases.service.consent import ConsentInput, WithdrawInput
from referral.directory.models import ServiceType
from referral.forms import Form

REMARK = {"rows": 3, "autocomplete": "off"}


def _parsed(kind, values):
    """The values that parse; the others already carry a form error."""
    for value in values or []:
        try:
            yield kind(str(value))
        except ValueError:
            continue


class ConsentForm(Form):
    lock_version = LockVersionField()
    kind = EnumSelectField(_l("Consent"), enum=ConsentKind)
    decision = EnumSelectField(_l("Decision"), enum=ConsentDecision)
    given_by = EnumSelectField(_l("Given or refused by"), enum=ConsentGiver)
    child_assent = EnumSelectField(_l("The child's assent"), enum=ChildAssent)
    method = EnumSelectField(_l("How"), enum=ConsentMethod)
    mandatory_reporting_explained = BooleanField(
        _l("The limits of confidentiality (mandatory reporting) were explained")
    )
    given_on = DateField(_l("Date given"), validators=[Optional()])
    service_types = CheckboxesField(_l("Services she agrees to be referred to"))
    organisation_ids = CheckboxesField(_l("Only these providers (optional)"))
    remark = TextAreaField(_l("Remark"), validators=[Length(max=2000)], render_kw=REMARK)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Withdrawal has its own confirmed action; this form gives or refuses.
        self.decision.choices = [c for c in self.decision.choices if c.value != "withdrawn"]
        self.service_types.choices = [
            (t.value, t.label) for t in ServiceType if t.is_referral_destination
        ]
        self.organisation_ids.choices = [(str(oid), name) for oid, name in providers]

    def to_input(self) -> ConsentInput:
        """What could be read, also from a form that failed its shape checks (the rule
        check then reports the rest in the same response)."""
        return ConsentInput(
            kind=self.kind.data,
            decision=self.decision.data,
            given_by=self.given_by.data,
            child_assent=self.child_assent.data,
            method=self.method.data,
            mandatory_reporting_explained=bool(self.mandatory_reporting_explained.data),
            given_on=self.given_on.data,
            service_types=tuple(_parsed(ServiceType, self.service_types.data)),
            organisation_ids=tuple(_parsed(uuid.UUID, self.organisation_ids.data)),
            remark=self.remark.data,
        )


class WithdrawForm(Form):
    given_by = EnumSelectField(_l("Withdrawn by"), enum=ConsentGiver)
    confirmed = BooleanField(_l("She withdraws this consent from now on"))
    remark = TextAreaField(_l("Remark"), validators=[Length(max=2000)], render_kw=REMARK)

    def to_input(self) -> WithdrawInput:
        return WithdrawInput(
            confirmed=bool(self.confirmed.data),
            given_by=self.given_by.data,
            remark=self.remark.data,
        )
