"""The statistics filters: a GET form (no CSRF: it changes nothing and carries no
identifying value). It checks the shape of the input; whether an area lies inside the
user's scope is the policy's question (404 when it does not)."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import ValidationError

from referral.cases.forms.common import EnumSelectField, as_choices
from referral.cases.models import AgeBand, GBVType, Sex
from referral.cases.timeutil import local_now
from referral.dates import format_date
from referral.forms import Form
from referral.stats.queries import Filters
from referral.validators import coerce_uuid

LAST_12 = "last12"
YEARS_BACK = 5
PERIOD_ERROR = _l("Choose a period from the list.")


def last_12_bounds() -> tuple[date, date]:
    """The last 12 months, this one included: start and (exclusive) end days."""
    today = local_now().date()
    end = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return date(end.year - 1, end.month, 1), end


class AreaField(SelectField):
    """An area id; any well-formed id is passed on, for the policy to answer 404 when
    it is not one of the user's areas (a list of choices would answer 422 instead)."""

    def __init__(self, label=None, **kw):
        super().__init__(label, choices=[], validate_choice=False, coerce=self._coerce, **kw)

    _coerce = staticmethod(coerce_uuid)

    def pre_validate(self, form):
        raw = self.raw_data[0] if self.raw_data else ""
        if raw.strip() and self.data is None:
            raise ValidationError(_l("Choose an area from the list."))


def _month_choices():
    return as_choices([(str(m), format_date(date(2000, m, 1), "LLLL")) for m in range(1, 13)])


class StatsFilterForm(Form):
    class Meta:
        csrf = False

    # Choices are checked by the validators below, with the form's own messages.
    period = SelectField(_l("Period"), validate_choice=False)
    quarter = SelectField(_l("Quarter"), validate_choice=False)
    month_from = SelectField(_l("From month"), validate_choice=False)
    month_to = SelectField(_l("To month"), validate_choice=False)
    area = AreaField(_l("Area"))
    gbv_type = EnumSelectField(_l("Type of GBV"), enum=GBVType, blank=_l("All types"))
    age_band = EnumSelectField(_l("Age"), enum=AgeBand, blank=_l("All ages"))
    sex = EnumSelectField(_l("Sex"), enum=Sex, blank=_l("Both sexes and not known"))

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        this_year = local_now().year
        self.period.choices = as_choices(
            [(LAST_12, _l("The last 12 months"))]
            + [(str(y), str(y)) for y in range(this_year, this_year - YEARS_BACK - 1, -1)]
        )
        self.quarter.choices = as_choices(
            [("", _l("Whole year"))] + [(str(q), _l("Quarter %(q)s", q=q)) for q in range(1, 5)]
        )
        self.month_from.choices = _month_choices()
        self.month_to.choices = _month_choices()
        self.area.choices = as_choices([("", _l("The whole scope")), *area_choices])
        self.period.data = self.period.data or LAST_12
        self.month_from.data = self.month_from.data or "1"
        self.month_to.data = self.month_to.data or "12"

    @property
    def has_months(self) -> bool:
        return (self.month_from.data, self.month_to.data) != ("1", "12")

    def validate_period(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError(PERIOD_ERROR)

    def validate_quarter(self, field):
        if field.data and field.data not in {"1", "2", "3", "4"}:
            raise ValidationError(PERIOD_ERROR)
        if field.data and self.period.data == LAST_12:
            raise ValidationError(_l("A quarter is chosen within a year: choose the year first."))
        if field.data and self.has_months:
            raise ValidationError(_l("Choose a quarter or a range of months, not both."))

    def validate_month_to(self, field):
        valid = {str(m) for m in range(1, 13)}
        for value in (self.month_from.data, field.data):
            if value and value not in valid:
                raise ValidationError(PERIOD_ERROR)
        if self.has_months and self.period.data == LAST_12:
            raise ValidationError(_l("Months are chosen within a year: choose the year first."))
        if int(self.month_from.data) > int(field.data):
            raise ValidationError(_l("The first month must not come after the last one."))

    def period_bounds(self) -> tuple[date, date]:
        """Start (inclusive) and end (exclusive) days of the valid period."""
        if self.period.data == LAST_12 or not self.period.data:
            return last_12_bounds()
        year = int(self.period.data)
        if self.quarter.data:
            first = 3 * int(self.quarter.data) - 2
            last = first + 2
        else:
            first, last = int(self.month_from.data), int(self.month_to.data)
        end = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
        return date(year, first, 1), end

    def to_filters(self, area_ids: frozenset[uuid.UUID] | None) -> Filters:
        start, end = self.period_bounds()
        return Filters(
            start=start,
            end=end,
            area_ids=area_ids,
            gbv_type=self.gbv_type.data,
            age_band=self.age_band.data,
            sex=self.sex.data,
        )

    def audit_detail(self) -> dict:
        """The filters as codes, for the audit trail."""
        return {
            "period": self.period.data or LAST_12,
            "quarter": self.quarter.data or None,
            "month_from": self.month_from.data if self.has_months else None,
            "month_to": self.month_to.data if self.has_months else None,
            "area": self.area.data,
            "gbv_type": self.gbv_type.data.value if self.gbv_type.data else None,
            "age_band": self.age_band.data.value if self.age_band.data else None,
            "sex": self.sex.data.value if self.sex.data else None,
        }

    def query_args(self) -> dict:
        """The valid filters as URL arguments (the export links carry them)."""
        detail = self.audit_detail()
        return {k: str(v) for k, v in detail.items() if v}


def previous_month() -> date:
    today = local_now().date()
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


class MonthlyReportForm(Form):
    """The month of the monthly report (any month of the last years up to the current
    one), and an area within the scope."""

    class Meta:
        csrf = False

    year = SelectField(_l("Year"), validate_choice=False)
    month = SelectField(_l("Month"), validate_choice=False)
    area = AreaField(_l("Area"))

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        default = previous_month()
        this_year = local_now().year
        self.year.choices = as_choices(
            [(str(y), str(y)) for y in range(this_year, this_year - YEARS_BACK - 1, -1)]
        )
        self.month.choices = _month_choices()
        self.area.choices = as_choices([("", _l("The whole scope")), *area_choices])
        self.year.data = self.year.data or str(default.year)
        self.month.data = self.month.data or str(default.month)

    def validate_year(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError(PERIOD_ERROR)

    def validate_month(self, field):
        if field.data not in {str(m) for m in range(1, 13)}:
            raise ValidationError(PERIOD_ERROR)
        if self.year.data and self.year.data.isdigit():
            today = local_now().date()
            if date(int(self.year.data), int(field.data), 1) > today:
                raise ValidationError(_l("The month has not begun yet: choose an earlier one."))

    def chosen_month(self) -> date:
        return date(int(self.year.data), int(self.month.data), 1)

    def audit_detail(self) -> dict:
        return {"year": self.year.data, "month": self.month.data, "area": self.area.data}

    def query_args(self) -> dict:
        return {k: str(v) for k, v in self.audit_detail().items() if v}
