"""Shapes of input only; rules live in service.py. Choices are built per request so that
labels follow the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from referral.committees.models import ActivityType, MemberAgency
from referral.committees.service import MAX_TARGET_HOURS
from referral.directory.models import ServiceType
from referral.forms import Form
from referral.validators import CHOICE_OR_EMPTY

NO_CHOICE = ""


def _none_choice(label) -> SelectChoice:
    return SelectChoice(NO_CHOICE, str(label))


class CommitteeForm(Form):
    name_ky = StringField(_l("Name in Kyrgyz"), validators=[Optional(), Length(max=300)])
    name_ru = StringField(_l("Name in Russian"), validators=[Optional(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=300)])
    founding_partners = StringField(
        _l("Founding partners"), validators=[Optional(), Length(max=300)]
    )
    # Checkboxes, not a multiple select: no Ctrl-click, and usable on a phone.
    area_ids = SelectMultipleField(
        _l("Area"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[CHOICE_OR_EMPTY],
    )
    coordinator_id = SelectField(_l("Coordinator"), validators=[CHOICE_OR_EMPTY])

    def __init__(self, *args, locations=(), coordinators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.area_ids.choices = [
            SelectChoice(
                str(loc.id),
                loc.name,
                optgroup=(loc.parent.name if loc.parent is not None else None),
            )
            for loc in locations
        ]
        if coordinators is None:  # a new committee has no members to choose from yet
            del self.coordinator_id
        else:
            self.coordinator_id.choices = [
                _none_choice(_l("— none —")),
                *(SelectChoice(str(u.id), u.full_name or u.username) for u in coordinators),
            ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not any((self.name_ky.data, self.name_ru.data, self.name_en.data)):
            self.name_ru.errors.append(_l("Give the name in at least one language."))
            ok = False
        return ok


class MemberForm(Form):
    user_id = SelectField(_l("Account"), validators=[CHOICE_OR_EMPTY])
    full_name = StringField(
        _l("Name (for a person without an account)"), validators=[Optional(), Length(max=200)]
    )
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    agency = SelectField(_l("Represents"), validators=[DataRequired()])

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = [
            _none_choice(_l("— no account —")),
            *(SelectChoice(str(u.id), u.full_name or u.username) for u in users),
        ]
        self.agency.choices = [SelectChoice(a.value, a.label) for a in MemberAgency]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.user_id.data and not (self.full_name.data or "").strip():
            self.full_name.errors.append(_l("Give the name, or choose an account."))
            ok = False
        if self.user_id.data and (self.full_name.data or "").strip():
            self.full_name.errors.append(
                _l("Leave the name empty when you choose an account: the account has one.")
            )
            ok = False
        return ok


class ActivityForm(Form):
    occurred_on = DateField(_l("Date"), validators=[InputRequired()])
    activity_type = SelectField(_l("Kind of activity"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    participants_women = IntegerField(
        _l("Women and girls taking part"), validators=[Optional(), NumberRange(0, 100_000)]
    )
    participants_men = IntegerField(
        _l("Men and boys taking part"), validators=[Optional(), NumberRange(0, 100_000)]
    )
    resources_som = IntegerField(
        _l("Resources mobilised (som)"), validators=[Optional(), NumberRange(0, 10**9)]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity_type.choices = [SelectChoice(t.value, t.label) for t in ActivityType]


class StepForm(Form):
    service_type = SelectField(_l("Service"), validators=[DataRequired()])
    target_hours = IntegerField(
        _l("Target response time (hours)"),
        validators=[InputRequired(), NumberRange(1, MAX_TARGET_HOURS)],
    )
    guidance_ky = TextAreaField(_l("Guidance in Kyrgyz"), validators=[Length(max=1000)])
    guidance_ru = TextAreaField(_l("Guidance in Russian"), validators=[Length(max=1000)])
    guidance_en = TextAreaField(_l("Guidance in English"), validators=[Length(max=1000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Aksakal courts and other non-destinations are never offered.
        self.service_type.choices = [
            SelectChoice(t.value, t.label) for t in ServiceType if t.is_referral_destination
        ]


class ProviderForm(Form):
    organisation_id = SelectField(_l("Preferred provider"), validators=[DataRequired()])

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [
            SelectChoice(str(o.id), o.name, optgroup=o.org_type.label) for o in organisations
        ]


class MoveForm(Form):
    direction = StringField(validators=[DataRequired(), AnyOf(["up", "down"])])
