"""Shapes of input for the assessment: incidents, perpetrators, risk with the safety
plan, needs by area. Which answers are required, and when (the classification questions
up to the first yes, a safety plan for medium and high risk), is decided in the services
so that every missing answer is reported at once."""

from __future__ import annotations

import uuid
from dataclasses import fields as dc_fields

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Length, Optional, ValidationError

from referral.cases.forms.common import (
    CheckboxesField,
    EnumSelectField,
    LockVersionField,
    UUIDSelectField,
    as_choices,
)
from referral.cases.models import (
    NEED_AREAS,
    AbductionType,
    AgeBand,
    LegalCategory,
    MarriageRegistration,
    NeedPriority,
    PerpetratorCount,
    PerpetratorRelationship,
    PlaceType,
    RiskFactor,
    RiskLevel,
    Sex,
    TimeOfDay,
)
from referral.cases.service.incidents import IncidentInput
from referral.cases.service.perpetrators import PerpetratorInput
from referral.cases.service.risk import NeedsInput, RiskInput
from referral.forms import Form

TEXT = {"autocomplete": "off", "rows": 3}
YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


class YesNoField(RadioField):
    """A yes/no question that may stay unanswered; `data` is True, False or None."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("validators", [Optional()])
        super().__init__(label, choices=as_choices(YES_NO), coerce=self._coerce, **kwargs)

    @staticmethod
    def _coerce(value):
        if isinstance(value, bool) or value is None:
            return value
        return {"yes": True, "no": False}.get(str(value).strip())

    def pre_validate(self, form):
        raw = self.raw_data[0] if self.raw_data else ""
        if raw.strip() and self.data is None:
            raise ValidationError(_l("Answer yes or no."))


def _input(cls, form):
    """The typed input of a form whose field names are the input's."""
    return cls(**{f.name: form[f.name].data for f in dc_fields(cls)})


def _parse_id(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class IncidentForm(Form):
    incident_date = DateField(_l("Date of the incident"), validators=[Optional()])
    incident_time = TimeField(_l("Time, if she knows it"), validators=[Optional()])
    time_of_day = EnumSelectField(_l("Time of day"), enum=TimeOfDay)
    report_date = DateField(_l("Date she first told us"), validators=[Optional()])

    # The GBVIMS classification tool, in its order; the first "yes" decides the type.
    q_penetration = YesNoField(_l("1. Was there penetration, however slight?"))
    q_sexual_contact = YesNoField(_l("2. Was there unwanted sexual contact?"))
    q_physical_assault = YesNoField(_l("3. Was there physical assault?"))
    q_forced_marriage = YesNoField(_l("4. Was it a forced (or early) marriage?"))
    q_denial = YesNoField(_l("5. Was there denial of resources, opportunities or services?"))
    q_psychological = YesNoField(_l("6. Was there psychological or emotional abuse?"))
    possible_sexual_violence = BooleanField(
        _l("There may have been sexual violence (show the medical time windows)")
    )

    ala_kachuu = BooleanField(_l("Bride kidnapping (ala kachuu)"))
    early_marriage = BooleanField(_l("Early or forced marriage (including religious nikah)"))
    money_goods_exchanged = BooleanField(_l("Money, goods or services were exchanged"))
    abduction_type = EnumSelectField(_l("Abduction"), enum=AbductionType)
    marriage_registration = EnumSelectField(
        _l("Is the marriage registered?"), enum=MarriageRegistration
    )
    legal_category = EnumSelectField(_l("Legal category (Kyrgyz law)"), enum=LegalCategory)
    reported_to_police = BooleanField(_l("Already reported to the police"))
    reported_to_health = BooleanField(_l("Already seen by health care"))
    previous_incidents = BooleanField(_l("There were earlier incidents"))

    place_type = EnumSelectField(_l("Where it happened"), enum=PlaceType)
    location_id = UUIDSelectField(_l("Rayon or city district where it happened"))
    perpetrator_count = EnumSelectField(_l("Number of perpetrators"), enum=PerpetratorCount)
    narrative = TextAreaField(
        _l("What happened, in her words"),
        validators=[Length(max=20000)],
        render_kw={"autocomplete": "off", "rows": 8},
    )

    def to_input(self) -> IncidentInput:
        return _input(IncidentInput, self)


class EditIncidentForm(IncidentForm):
    lock_version = LockVersionField()


class PerpetratorForm(Form):
    relationship_to_survivor = EnumSelectField(
        _l("Relationship to the survivor"), enum=PerpetratorRelationship
    )
    is_primary = BooleanField(_l("Main perpetrator of this incident"))
    sex = EnumSelectField(_l("Sex"), enum=Sex)
    age_group = EnumSelectField(_l("Age group"), enum=AgeBand)
    lives_with_survivor = BooleanField(_l("Lives with the survivor"))
    previous_gbv = BooleanField(_l("Known to have committed violence before"))
    name = StringField(
        _l("Name (optional)"), validators=[Length(max=200)], render_kw={"autocomplete": "off"}
    )

    def to_input(self) -> PerpetratorInput:
        return _input(PerpetratorInput, self)


class EditPerpetratorForm(PerpetratorForm):
    lock_version = LockVersionField()


class RiskForm(Form):
    # The assessment this one starts from: a newer one recorded meanwhile makes it stale.
    based_on = HiddenField()
    level = EnumSelectField(_l("Risk level"), enum=RiskLevel)
    immediate_danger = BooleanField(_l("She is in immediate danger"))
    factors = CheckboxesField(_l("Danger signs"), choices=as_choices(RiskFactor.choices()))
    safety_concern = TextAreaField(
        _l("Main concern for her safety"), validators=[Length(max=4000)], render_kw=TEXT
    )
    safety_warning_signs = TextAreaField(
        _l("Warning signs that violence is coming"), validators=[Length(max=4000)], render_kw=TEXT
    )
    safety_where_to_go = TextAreaField(
        _l("Where she can go (with the children)"), validators=[Length(max=4000)], render_kw=TEXT
    )
    safety_who_to_call = TextAreaField(
        _l("Who she can call"), validators=[Length(max=4000)], render_kw=TEXT
    )
    safety_items_prepared = TextAreaField(
        _l("Documents, money and things prepared"), validators=[Length(max=4000)], render_kw=TEXT
    )

    def to_input(self) -> RiskInput:
        data = {f.name: self[f.name].data for f in dc_fields(RiskInput) if f.name != "factors"}
        data["factors"] = tuple(RiskFactor(v) for v in self.factors.data or [])
        return RiskInput(**data)

    @property
    def based_on_id(self) -> uuid.UUID | None:
        return _parse_id(self.based_on.data)


class NeedsForm(Form):
    based_on = HiddenField()

    def to_input(self) -> NeedsInput:
        return _input(NeedsInput, self)

    @property
    def based_on_id(self) -> uuid.UUID | None:
        return _parse_id(self.based_on.data)

    def areas(self):
        """(label, priority field, text field) per need area, in the page's order."""
        return [
            (label, self[f"{area}_priority"], self[f"{area}_text"])
            for area, _unit, label in NEED_AREAS
        ]


for _area, _unit, _label in NEED_AREAS:
    setattr(
        NeedsForm,
        f"{_area}_priority",
        EnumSelectField(_l("%(area)s: priority", area=_label), enum=NeedPriority, required=True),
    )
    setattr(
        NeedsForm,
        f"{_area}_text",
        TextAreaField(
            _l("%(area)s: what she needs", area=_label),
            validators=[Length(max=4000)],
            render_kw=TEXT,
        ),
    )
