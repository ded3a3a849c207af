"""Case forms, one module per step. Shapes of input only; rules live in the services."""

from referral.cases.forms.intake import (  # noqa: F401
    AssignForm,
    CaseFilterForm,
    CaseForm,
    EditCaseForm,
    EraseForm,
    SearchForm,
)
