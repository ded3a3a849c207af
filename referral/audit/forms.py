"""The auditor's console filters (a GET form: no CSRF; identifiers and dates only)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from referral.forms import Form


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TrailFilterForm(Form):
    class Meta:
        csrf = False

    actor = StringField(
        _l("Who (user name)"), validators=[Optional(), Length(max=80)], filters=[_strip]
    )
    action = SelectField(_l("Event"), choices=[], validators=[Optional()], validate_choice=False)
    target = StringField(
        _l("Object (case code or id)"),
        validators=[Optional(), Length(max=64)],
        filters=[_strip],
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period is before its start."))
