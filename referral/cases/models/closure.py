"""Attachments, closure and the survivor's anonymous feedback.

An attachment's content and original file name are encrypted with the case's data key;
the content lives in a file named by a random id under ATTACHMENTS_DIR, never under
static/. Client feedback is deliberately NOT a case child: its table has no case, no
user and no timestamp finer than the month, so it can only ever be counted.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from referral.cases.models.case import CaseChild
from referral.crypto import grants as U
from referral.crypto.fields import Ciphertext, encrypted
from referral.db import LabelledEnum, TimestampMixin, UUIDPrimaryKey, str_enum
from referral.extensions import db


class AttachmentKind(LabelledEnum):
    FORENSIC_CERTIFICATE = "forensic_certificate"
    PROTECTION_ORDER = "protection_order"
    CONSENT_FORM = "consent_form"
    OTHER = "other"


AttachmentKind.LABELS = {
    AttachmentKind.FORENSIC_CERTIFICATE: _l("Forensic-medical certificate"),
    AttachmentKind.PROTECTION_ORDER: _l("Protection order"),
    AttachmentKind.CONSENT_FORM: _l("Signed consent form"),
    AttachmentKind.OTHER: _l("Other document"),
}


class MediaType(LabelledEnum):
    """The types an upload may have, decided from its first bytes (never its name)."""

    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"

    @property
    def extension(self) -> str:
        return {MediaType.PDF: "pdf", MediaType.JPEG: "jpg", MediaType.PNG: "png"}[self]


MediaType.LABELS = {MediaType.PDF: "PDF", MediaType.JPEG: "JPEG", MediaType.PNG: "PNG"}


class Attachment(CaseChild, TimestampMixin, db.Model):
    __tablename__ = "attachments"

    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind, 30))
    media_type: Mapped[MediaType] = mapped_column(str_enum(MediaType, 30))
    size_bytes: Mapped[int] = mapped_column(Integer)
    # The file's name on disk: random, so the directory listing says nothing.
    storage_id: Mapped[str] = mapped_column(String(32), unique=True)
    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    original_name_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    original_name = encrypted(U.ATTACHMENT)
    content = encrypted(U.ATTACHMENT, kind="bytes")


class ClosureReason(LabelledEnum):
    """GBVIMS+ closure reasons (domain.md §1b); stored in `Case.closure_reason`."""

    NEEDS_MET = "needs_met"
    NO_CONTACT_30_DAYS = "no_contact_30_days"
    SURVIVOR_REQUEST = "survivor_request"
    LEFT_AREA = "left_area"
    TRANSFERRED = "transferred"
    OTHER = "other"


ClosureReason.LABELS = {
    ClosureReason.NEEDS_MET: _l("Her needs were met as far as possible"),
    ClosureReason.NO_CONTACT_30_DAYS: _l("No contact for more than 30 days"),
    ClosureReason.SURVIVOR_REQUEST: _l("She asked to close the case"),
    ClosureReason.LEFT_AREA: _l("She has left the area"),
    ClosureReason.TRANSFERRED: _l("The case was transferred"),
    ClosureReason.OTHER: _l("Other reason"),
}


class ClosureCheck(LabelledEnum):
    """The closure checklist; `Case.closure_checklist` holds the ticked codes."""

    SAFETY_PLAN_REVIEWED = "safety_plan_reviewed"
    SURVIVOR_INFORMED = "survivor_informed"
    REFERRALS_CLOSED = "referrals_closed"
    FOLLOW_UP_DONE = "follow_up_done"


ClosureCheck.LABELS = {
    ClosureCheck.SAFETY_PLAN_REVIEWED: _l("The safety plan was reviewed with her"),
    ClosureCheck.SURVIVOR_INFORMED: _l("She knows how to come back to the centre"),
    ClosureCheck.REFERRALS_CLOSED: _l("Every referral is closed or handed over"),
    ClosureCheck.FOLLOW_UP_DONE: _l("The last follow-up was done"),
}


class ReturnReason(LabelledEnum):
    """Why a supervisor sends a closure request back to the caseworker."""

    CHECKLIST_INCOMPLETE = "checklist_incomplete"
    NEEDS_OPEN = "needs_open"
    RISK_NOT_REVIEWED = "risk_not_reviewed"
    REFERRALS_OPEN = "referrals_open"
    OTHER = "other"


ReturnReason.LABELS = {
    ReturnReason.CHECKLIST_INCOMPLETE: _l("The checklist is not complete"),
    ReturnReason.NEEDS_OPEN: _l("Some of her needs are still open"),
    ReturnReason.RISK_NOT_REVIEWED: _l("The risk was not reassessed"),
    ReturnReason.REFERRALS_OPEN: _l("Referrals are still open"),
    ReturnReason.OTHER: _l("Other reason: discuss with the supervisor"),
}


class ReopenReason(LabelledEnum):
    SURVIVOR_RETURNED = "survivor_returned"
    NEW_INCIDENT = "new_incident"
    CLOSED_IN_ERROR = "closed_in_error"
    OTHER = "other"


ReopenReason.LABELS = {
    ReopenReason.SURVIVOR_RETURNED: _l("She came back to the centre"),
    ReopenReason.NEW_INCIDENT: _l("A new incident was reported"),
    ReopenReason.CLOSED_IN_ERROR: _l("The case was closed in error"),
    ReopenReason.OTHER: _l("Other reason"),
}


class FeedbackAnswer(LabelledEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    NO_ANSWER = "no_answer"


FeedbackAnswer.LABELS = {
    FeedbackAnswer.YES: _l("Yes"),
    FeedbackAnswer.PARTLY: _l("Partly"),
    FeedbackAnswer.NO: _l("No"),
    FeedbackAnswer.NO_ANSWER: _l("She preferred not to answer"),
}


class Satisfaction(LabelledEnum):
    SATISFIED = "satisfied"
    PARTLY = "partly"
    NOT_SATISFIED = "not_satisfied"
    NO_ANSWER = "no_answer"


Satisfaction.LABELS = {
    Satisfaction.SATISFIED: _l("Satisfied"),
    Satisfaction.PARTLY: _l("Partly satisfied"),
    Satisfaction.NOT_SATISFIED: _l("Not satisfied"),
    Satisfaction.NO_ANSWER: _l("She preferred not to answer"),
}

# The GBVIMS+ client-feedback questions, in the order the form asks them.
FEEDBACK_QUESTIONS = {
    "felt_welcome": _l("Did she feel welcome at the centre?"),
    "felt_safe": _l("Did she feel safe at the centre?"),
    "staff_listened": _l("Did the staff listen to her?"),
    "services_explained": _l("Were the services and her options explained to her?"),
    "would_recommend": _l("Would she recommend the centre to a friend in need?"),
}


class ClientFeedback(UUIDPrimaryKey, db.Model):
    """One survivor's answers, unlinkable: no case, no user, no time finer than a month
    (a timestamp could be matched to the case's closure in the timeline)."""

    __tablename__ = "client_feedback"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month (Bishkek)
    felt_welcome: Mapped[FeedbackAnswer] = mapped_column(str_enum(FeedbackAnswer, 10))
    felt_safe: Mapped[FeedbackAnswer] = mapped_column(str_enum(FeedbackAnswer, 10))
    staff_listened: Mapped[FeedbackAnswer] = mapped_column(str_enum(FeedbackAnswer, 10))
    services_explained: Mapped[FeedbackAnswer] = mapped_column(str_enum(FeedbackAnswer, 10))
    would_recommend: Mapped[FeedbackAnswer] = mapped_column(str_enum(FeedbackAnswer, 10))
    overall: Mapped[Satisfaction] = mapped_column(str_enum(Satisfaction, 20))

    def __repr__(self) -> str:
        return f"<ClientFeedback {self.id}>"


__all__ = [
    "FEEDBACK_QUESTIONS",
    "Attachment",
    "AttachmentKind",
    "ClientFeedback",
    "ClosureCheck",
    "ClosureReason",
    "FeedbackAnswer",
    "MediaType",
    "ReopenReason",
    "ReturnReason",
    "Satisfaction",
]
