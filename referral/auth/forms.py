"""Shapes of input only; rules live in service.py."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from referral.auth.permissions import Role
from referral.forms import Form
from referral.validators import CHOICE_OR_EMPTY


class LoginForm(Form):
    class Meta:
        csrf = False  # the view checks the request's origin instead (no cookie before sign-in)

    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(Form):
    """The code step of signing in: six digits from the app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )


class EnrolForm(Form):
    # Asked of a complete session only: whoever holds a signed-in browser left open must
    # not be able to tie the account to their own phone.
    password = PasswordField(
        _l("Current password"),
        validators=[Optional(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Code shown by the app"),
        validators=[DataRequired(), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.new_password.data != self.confirm_password.data:
            self.confirm_password.errors.append(_l("The two new passwords differ."))
            return False
        return True


LANGUAGE_CHOICES = [("ky", "Кыргызча"), ("ru", "Русский"), ("en", "English")]


class UserForm(Form):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(min=3, max=64),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Use Latin letters, digits, dots, dashes or underscores."),
            ),
        ],
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email"), validators=[Optional(), Email(check_deliverability=False), Length(max=254)]
    )
    role = SelectField(_l("Role"), validators=[DataRequired()])
    organisation_id = SelectField(_l("Organisation"), validators=[DataRequired()])
    locale = SelectField(_l("Language"), validators=[CHOICE_OR_EMPTY])

    access_locked = False

    def __init__(self, *args, roles=tuple(Role), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are built per request so that labels follow the user's language.
        self.role.choices = [SelectChoice(r.value, r.label) for r in roles]
        self.organisation_id.choices = [SelectChoice(str(o.id), o.name) for o in organisations]
        self.locale.choices = [
            SelectChoice("", "—"),
            *(SelectChoice(code, label) for code, label in LANGUAGE_CHOICES),
        ]

    def lock_access(self, user) -> None:
        """Show the account's role and organisation without letting them be changed."""
        self.access_locked = True
        self.role.choices = [SelectChoice(user.role.value, user.role.label)]
        self.organisation_id.choices = [
            SelectChoice(str(user.organisation_id), user.organisation.name)
        ]
        for field in (self.role, self.organisation_id):
            field.render_kw = {"disabled": True}
            field.validators = []
            field.flags.required = False

    def validate(self, extra_validators=None) -> bool:
        if self.access_locked:
            # Disabled fields are not submitted; the view keeps the stored values.
            self.role.data = self.role.choices[0].value
            self.organisation_id.data = self.organisation_id.choices[0].value
        return super().validate(extra_validators)


class EmptyForm(Form):
    """A form with only the CSRF token: for buttons that POST."""
