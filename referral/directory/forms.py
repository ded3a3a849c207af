"""Shapes of input only; rules live in service.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from referral.directory.hours import DAYS, HoursRule, day_choices
from referral.directory.models import (
    SERVICE_LANGUAGES,
    EligibleSex,
    LegalStatus,
    LocationLevel,
    OrganisationType,
    PhoneType,
    Sector,
    ServiceStatus,
    ServiceType,
)
from referral.directory.service.rules import LOCATION_MESSAGE, PHONE_MESSAGE, phone_is_valid
from referral.forms import Form, SubForm
from referral.validators import CHOICE_OR_EMPTY

NONE = SelectChoice("", "—")
PHONE_ROWS_FREE = 2  # blank phone rows offered below the existing ones (no JavaScript)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def location_choices(tree, *, blank: bool = True) -> list[SelectChoice]:
    """Indented options, parents before children."""
    choices = [NONE] if blank else []
    for loc, depth in tree:
        choices.append(SelectChoice(str(loc.id), "\u2003" * depth + loc.label))
    return choices


class PhoneForm(SubForm):
    """One phone row inside an organisation or service form (no CSRF of its own)."""

    number = StringField(
        _l("Number"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=40),
        ],
    )
    phone_type = SelectField(_l("Kind"))
    description = StringField(_l("Note"), filters=[strip], validators=[Length(max=200)])

    def validate_number(self, field):
        if field.data and not phone_is_valid(field.data):
            raise ValidationError(PHONE_MESSAGE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_type.choices = [SelectChoice(t.value, t.label) for t in PhoneType]


def _names(cls, length: int = 300):
    for lang, label in (("ky", _l("Name (Kyrgyz)")), ("ru", _l("Name (Russian)"))):
        setattr(
            cls,
            f"name_{lang}",
            StringField(label, filters=[strip], validators=[Length(max=length)]),
        )
    cls.name_en = StringField(
        _l("Name (English)"), filters=[strip], validators=[Length(max=length)]
    )
    return cls


def _descriptions(cls):
    cls.description_ky = TextAreaField(
        _l("Description (Kyrgyz)"), filters=[strip], validators=[Length(max=4000)]
    )
    cls.description_ru = TextAreaField(
        _l("Description (Russian)"), filters=[strip], validators=[Length(max=4000)]
    )
    cls.description_en = TextAreaField(
        _l("Description (English)"), filters=[strip], validators=[Length(max=4000)]
    )
    return cls


class _WithPhones(Form):
    phones = FieldList(FormField(PhoneForm), min_entries=0)

    def offer_blank_phones(self) -> None:
        filled = [e for e in self.phones.entries if e.form.number.data]
        while len(self.phones.entries) < len(filled) + PHONE_ROWS_FREE:
            self.phones.append_entry()


@_descriptions
@_names
class OrganisationForm(_WithPhones):
    org_type = SelectField(_l("Type"))
    sector = SelectField(_l("Sector"), validators=[CHOICE_OR_EMPTY])
    legal_status = SelectField(_l("Legal status"), validators=[CHOICE_OR_EMPTY])
    parent_id = SelectField(_l("Parent organisation"), validators=[CHOICE_OR_EMPTY])
    # The service refuses it too; checked here so that it shows with the other errors.
    location_id = SelectField(_l("Location"), validators=[InputRequired(LOCATION_MESSAGE)])
    website = StringField(_l("Website"), filters=[strip], validators=[Length(max=300)])
    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
    )

    def __init__(self, *args, organisations=(), locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.org_type.choices = [SelectChoice(t.value, t.label) for t in OrganisationType]
        self.sector.choices = [NONE, *(SelectChoice(s.value, s.label) for s in Sector)]
        self.legal_status.choices = [
            NONE,
            *(SelectChoice(s.value, s.label) for s in LegalStatus),
        ]
        self.parent_id.choices = [NONE, *(SelectChoice(str(o.id), o.name) for o in organisations)]
        self.location_id.choices = location_choices(locations)


HOURS_ROWS_MAX = 7
HOURS_ROWS_FREE = 1


class HoursRowForm(SubForm):
    """One row of opening hours: the days it applies to, and one opening and closing time."""

    days = SelectMultipleField(
        _l("Days"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    opens_at = TimeField(_l("Opens"), validators=[Optional()])
    closes_at = TimeField(_l("Closes"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.days.choices = [SelectChoice(code, name) for code, name in day_choices()]

    def validate(self, extra_validators=None) -> bool:
        # Row rules run after the fields' own checks (an empty time is Optional, which
        # would stop a field validator before it ran).
        valid = super().validate(extra_validators)
        days, opens, closes = self.days.data, self.opens_at.data, self.closes_at.data
        if not (days or opens or closes) or self.opens_at.errors or self.closes_at.errors:
            return valid
        if not days:
            problem = _l("Tick the days these hours apply to.")
        elif opens is None or closes is None:
            problem = _l("Give both the opening and the closing time.")
        elif closes <= opens:
            problem = _l(
                "The closing time is not after the opening time. For a service open "
                "day and night, tick “Open 24 hours”."
            )
        else:
            return valid
        self.closes_at.errors = [*self.closes_at.errors, problem]
        return False


@_descriptions
@_names
class ServiceForm(_WithPhones):
    service_type = SelectField(_l("Service type"))
    status = SelectField(_l("Status"))
    eligible_sex = SelectField(_l("Who may use it"))
    minimum_age = IntegerField(
        _l("Minimum age"),
        validators=[Optional(), NumberRange(min=0, max=120, message=_l("Between 0 and 120."))],
    )
    maximum_age = IntegerField(
        _l("Maximum age"),
        validators=[Optional(), NumberRange(min=0, max=120, message=_l("Between 0 and 120."))],
    )
    is_free = BooleanField(_l("Free of charge"), default=True)
    is_24h = BooleanField(_l("Open 24 hours"))
    accepts_referrals = BooleanField(_l("Accepts referrals"), default=True)
    is_nationwide = BooleanField(_l("Covers the whole country"))
    # Checkboxes, not a multiple select: no Ctrl-click, and usable on a phone.
    area_ids = SelectMultipleField(
        _l("Area covered"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[CHOICE_OR_EMPTY],
    )
    language_codes = SelectMultipleField(
        _l("Languages"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    # Opening hours as rows of days and times: nothing to type in a syntax (the stored
    # schedules are the same; referral.directory.hours turns them into text for HSDS).
    hours_rows = FieldList(FormField(HoursRowForm), min_entries=0, max_entries=HOURS_ROWS_MAX)
    site_ids = SelectMultipleField(
        _l("Premises where it is offered"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )

    def __init__(self, *args, locations=(), sites=(), other_languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.service_type.choices = [SelectChoice(t.value, t.label) for t in ServiceType]
        self.status.choices = [SelectChoice(s.value, s.label) for s in ServiceStatus]
        self.eligible_sex.choices = [SelectChoice(s.value, s.label) for s in EligibleSex]
        self.area_ids.choices = location_choices(locations, blank=False)
        self.language_codes.choices = [
            SelectChoice(code, str(label)) for code, label in SERVICE_LANGUAGES.items()
        ] + [SelectChoice(code, code) for code in other_languages if code not in SERVICE_LANGUAGES]
        self.site_ids.choices = [SelectChoice(str(s.id), s.name) for s in sites]

    def offer_blank_hours(self) -> None:
        filled = [e for e in self.hours_rows.entries if e.form.days.data]
        while len(self.hours_rows.entries) < min(
            max(len(filled) + HOURS_ROWS_FREE, 2), HOURS_ROWS_MAX
        ):
            self.hours_rows.append_entry()

    def hours_rules(self) -> list[HoursRule]:
        return [
            HoursRule(
                tuple(d for d in DAYS if d in e.form.days.data),
                e.form.opens_at.data,
                e.form.closes_at.data,
            )
            for e in self.hours_rows.entries
            if e.form.days.data and e.form.opens_at.data and e.form.closes_at.data
        ]


@_names
class SiteForm(Form):
    location_id = SelectField(_l("Location"), validators=[CHOICE_OR_EMPTY])
    address = StringField(_l("Street address"), filters=[strip], validators=[Length(max=300)])
    postal_code = StringField(_l("Postal code"), filters=[strip], validators=[Length(max=12)])
    is_confidential = BooleanField(_l("Confidential address (shelter)"))
    is_active = BooleanField(_l("In use"), default=True)

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location_id.choices = location_choices(locations)


@_names
class LocationForm(Form):
    code = StringField(
        _l("COATE code"),
        filters=[strip],
        validators=[Regexp(r"^[0-9]{14}$", message=_l("A COATE code has 14 digits."))],
    )
    level = SelectField(_l("Level"))
    parent_id = SelectField(_l("Belongs to"), validators=[CHOICE_OR_EMPTY])
    former_names = TextAreaField(_l("Former names"), filters=[strip], validators=[Length(max=2000)])
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid until"), validators=[Optional()])

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = [
            SelectChoice(level.value, level.label)
            for level in (LocationLevel.AIYL_AIMAK, LocationLevel.VILLAGE)
        ]
        self.parent_id.choices = location_choices(parents)


class ImportForm(Form):
    file = FileField(
        _l("HSDS file (.json or .zip data package)"),
        validators=[FileRequired(message=_l("Choose a file to import."))],
    )
