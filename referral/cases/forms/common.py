"""Form pieces every step of the case file uses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from referral.validators import coerce_uuid

CHOOSE = _l("— choose —")
STALE_FORM = _l("This form is out of date: the case may have changed. Open the case again.")


class LockVersionField(IntegerField):
    """The hidden version number; anything that is not one gets one clear message."""

    widget = HiddenField.widget

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [InputRequired(message=STALE_FORM)])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(STALE_FORM) from None


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated there)."""
    return [
        p if isinstance(p, SelectChoice) else SelectChoice(str(p[0]), p[1]) for p in pairs or []
    ]


class _Choices:
    """Choices may be set as (value, label) pairs; they are kept as SelectChoice."""

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        self._choices = None if value is None else as_choices(value)

    def _values(self) -> set[str]:
        return {str(c.value) for c in self._choices or []}


class EnumSelectField(_Choices, SelectField):
    """A select of a LabelledEnum's members (plus a blank choice unless required); `data`
    is the member or None."""

    def __init__(self, label=None, enum=None, blank=CHOOSE, required=False, **kw):
        self.enum = enum
        choices = as_choices(enum.choices(None if required else blank))
        super().__init__(label, choices=choices, coerce=self._coerce, **kw)

    def _coerce(self, value):
        if value is None or value == "" or isinstance(value, self.enum):
            return value or None
        try:
            return self.enum(str(value).strip())
        except ValueError:
            return None

    def pre_validate(self, form):
        raw = self.raw_data[0] if self.raw_data else ""
        if raw.strip() and self.data is None:
            raise ValidationError(_l("Choose one of the options."))


class UUIDSelectField(_Choices, SelectField):
    """A select whose values are ids; `data` is a UUID or None. Choices are set by the
    view."""

    def __init__(self, label=None, **kw):
        super().__init__(label, choices=[], coerce=self._coerce, validate_choice=False, **kw)

    _coerce = staticmethod(coerce_uuid)

    def pre_validate(self, form):
        raw = self.raw_data[0] if self.raw_data else ""
        if raw.strip() and (self.data is None or str(self.data) not in self._values()):
            raise ValidationError(_l("Choose one of the options."))


class MultiSelectField(_Choices, SelectMultipleField):
    """A multiple select whose values must be among the choices the view set."""

    def pre_validate(self, form):
        if any(str(v) not in self._values() for v in self.data or []):
            raise ValidationError(_l("Choose one of the options."))


class CheckboxesField(MultiSelectField):
    """A multiple choice shown as a list of checkboxes (values must be among the
    choices)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
