"""Shapes of input only; rules (phone validity, erasure rights) live in service.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from referral.cases.models import ERASURE_LABELS, ErasureReason


class CaseForm(FlaskForm):
    full_name = StringField(
        _l("Survivor's name"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "off"},
    )
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    phone = StringField(
        _l("Safe phone number"),
        validators=[Optional(), Length(max=32)],
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


STALE_FORM = _l("This form is out of date: the case may have changed. Open the case again.")


class LockVersionField(IntegerField):
    """The hidden version number; anything that is not one gets one clear message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(STALE_FORM) from None


class EditCaseForm(CaseForm):
    lock_version = LockVersionField(
        widget=HiddenField.widget, validators=[InputRequired(message=STALE_FORM)]
    )


class SearchForm(FlaskForm):
    term = StringField(
        _l("Phone number or full name"),
        validators=[DataRequired(), Length(min=2, max=200)],
        render_kw={"autocomplete": "off"},
    )


class EraseForm(FlaskForm):
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice("", _l("Choose a reason"))]
        + [SelectChoice(r.value, ERASURE_LABELS[r]) for r in ErasureReason],
        validators=[DataRequired()],
    )
    confirm_code = StringField(
        _l("Type the case code to confirm"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    understood = BooleanField(
        _l("I understand that the survivor's data will be unreadable forever"),
        validators=[DataRequired()],
    )
