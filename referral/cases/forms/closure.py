"""Shapes of input for attachments, closure, reopening, client feedback and the print
view; the rules (accepted types, size, checklist, who decides) live in the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectChoice

from referral.cases.forms.common import (
    CheckboxesField,
    EnumSelectField,
    LockVersionField,
    as_choices,
)
from referral.cases.models import (
    FEEDBACK_QUESTIONS,
    AttachmentKind,
    ClosureCheck,
    ClosureReason,
    FeedbackAnswer,
    ReopenReason,
    ReturnReason,
    Satisfaction,
)
from referral.forms import Form


class AttachmentForm(Form):
    kind = EnumSelectField(_l("What the document is"), enum=AttachmentKind)
    # No FileRequired or type validators: an empty or unaccepted file gets the service's
    # message, decided from the content.
    file = FileField(_l("Scanned document (PDF, JPEG or PNG)"))


class DeleteAttachmentForm(Form):
    lock_version = LockVersionField()
    understood = BooleanField(_l("Remove this document from the case for good"))


class ClosureRequestForm(Form):
    reason = EnumSelectField(_l("Why the case can be closed"), enum=ClosureReason)
    checklist = CheckboxesField(_l("Checklist"), choices=as_choices(ClosureCheck.choices()))
    lock_version = LockVersionField()


class ClosureReviewForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve: close the case")),
            SelectChoice("return", _l("Send it back to the caseworker")),
        ],
        validate_choice=True,
    )
    return_reason = EnumSelectField(_l("Why it goes back"), enum=ReturnReason)
    lock_version = LockVersionField()


class ReopenForm(Form):
    reason = EnumSelectField(_l("Why the case is reopened"), enum=ReopenReason)
    lock_version = LockVersionField()


class FeedbackForm(Form):
    """Every question may be left unanswered: the survivor chooses what to say."""

    felt_welcome = EnumSelectField(FEEDBACK_QUESTIONS["felt_welcome"], enum=FeedbackAnswer)
    felt_safe = EnumSelectField(FEEDBACK_QUESTIONS["felt_safe"], enum=FeedbackAnswer)
    staff_listened = EnumSelectField(FEEDBACK_QUESTIONS["staff_listened"], enum=FeedbackAnswer)
    services_explained = EnumSelectField(
        FEEDBACK_QUESTIONS["services_explained"], enum=FeedbackAnswer
    )
    would_recommend = EnumSelectField(FEEDBACK_QUESTIONS["would_recommend"], enum=FeedbackAnswer)
    overall = EnumSelectField(
        _l("All in all, how satisfied is she with the help she received?"), enum=Satisfaction
    )


class PrintForm(Form):
    """The print page's options, sent as a GET (nothing changes)."""

    class Meta:
        csrf = False

    notes = BooleanField(_l("Include the case notes"))
