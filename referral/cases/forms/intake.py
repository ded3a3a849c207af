"""Shapes of input for intake; the rules (phone validity, age and date of birth agreeing,
rights) live in service.intake."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from referral.cases.forms.common import (
    STALE_FORM,
    CheckboxesField,
    EnumSelectField,
    LockVersionField,
    UUIDSelectField,
)
from referral.cases.models import (
    ERASURE_LABELS,
    CaseStatus,
    ContactMethod,
    Disability,
    Displacement,
    ErasureReason,
    MaritalStatus,
    ReferralSource,
    RiskLevel,
    Sex,
)
from referral.forms import Form

__all__ = ["STALE_FORM"]

NO_AUTOFILL = {"autocomplete": "off"}


class CaseForm(Form):
    full_name = StringField(
        _l("Survivor's name"), validators=[DataRequired(), Length(max=200)], render_kw=NO_AUTOFILL
    )
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    estimated_age = IntegerField(
        _l("Age, if the date of birth is not known"),
        validators=[Optional(), NumberRange(min=0, max=150)],
        render_kw={"inputmode": "numeric"},
    )
    sex = EnumSelectField(_l("Sex"), enum=Sex)
    referral_source = EnumSelectField(_l("How she came to us"), enum=ReferralSource)
    phone = StringField(
        _l("Safe phone number"),
        validators=[Optional(), Length(max=32)],
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )
    safe_contact_method = EnumSelectField(_l("Safe way to contact her"), enum=ContactMethod)
    safe_times = StringField(
        _l("Safe times to contact"), validators=[Optional(), Length(max=200)], render_kw=NO_AUTOFILL
    )
    do_not_contact = BooleanField(_l("Do not contact her: she will contact us"))
    address = TextAreaField(
        _l("Address"), validators=[Optional(), Length(max=500)], render_kw=NO_AUTOFILL
    )
    residence_location_id = UUIDSelectField(_l("Rayon or city district of residence"))
    caregiver_name = StringField(
        _l("Caregiver's name (for a child)"),
        validators=[Optional(), Length(max=200)],
        render_kw=NO_AUTOFILL,
    )
    caregiver_relationship = StringField(
        _l("Caregiver's relationship to the child"), validators=[Optional(), Length(max=100)]
    )
    caregiver_phone = StringField(
        _l("Caregiver's phone"),
        validators=[Optional(), Length(max=32)],
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )
    accompanying_children = TextAreaField(
        _l("Children with her (first names and ages)"),
        validators=[Optional(), Length(max=1000)],
        render_kw=NO_AUTOFILL,
    )
    disability = EnumSelectField(_l("Disability"), enum=Disability)
    marital_status = EnumSelectField(_l("Marital status"), enum=MaritalStatus)
    displacement = EnumSelectField(_l("Residence status"), enum=Displacement)
    note = TextAreaField(_l("Intake note"), validators=[Optional(), Length(max=5000)])
    # Set when the caseworker has seen the possible duplicates and opens the case anyway.
    duplicates_checked = BooleanField(_l("None of these is her: open a new case"))


class EditCaseForm(CaseForm):
    lock_version = LockVersionField()


class SearchForm(Form):
    term = StringField(
        _l("Phone number or full name"),
        validators=[DataRequired(), Length(min=2, max=200)],
        render_kw=NO_AUTOFILL,
    )


class CaseFilterForm(Form):
    """The case list's filters (a GET form: no CSRF, nothing identifying in it)."""

    class Meta:
        csrf = False

    status = EnumSelectField(_l("Status"), enum=CaseStatus, blank=_l("Any status"))
    risk = EnumSelectField(_l("Risk"), enum=RiskLevel, blank=_l("Any risk"))
    caseworker = UUIDSelectField(_l("Caseworker"))


class AssignForm(Form):
    owner_id = UUIDSelectField(_l("Responsible caseworker"), validators=[DataRequired()])
    assigned_ids = CheckboxesField(_l("Also assigned"), choices=[])


class EraseForm(Form):
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
