from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from referral.forms import Form


class InfoPageForm(Form):
    slug = StringField(
        _l("Address (letters, digits and dashes)"),
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use small letters, digits and dashes.")),
        ],
    )
    position = IntegerField(
        _l("Order in the list"), validators=[Optional(), NumberRange(min=0, max=9999)], default=0
    )
    title_ky = StringField(_l("Title in Kyrgyz"), validators=[Length(max=200)])
    body_ky = TextAreaField(_l("Text in Kyrgyz"), validators=[Length(max=20000)])
    title_ru = StringField(_l("Title in Russian"), validators=[Length(max=200)])
    body_ru = TextAreaField(_l("Text in Russian"), validators=[Length(max=20000)])
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    body_en = TextAreaField(_l("Text in English"), validators=[Length(max=20000)])
    sources = TextAreaField(_l("Sources"), validators=[Length(max=5000)])


class ReviewForm(Form):
    reviewer = StringField(
        _l("Name of the lawyer who reviewed the text"),
        validators=[DataRequired(), Length(max=200)],
    )
