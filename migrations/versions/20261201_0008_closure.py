"""closure: encrypted attachments and anonymous client feedback

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:30:00

`attachments` is a case child (erased with the case); the file content lives under
ATTACHMENTS_DIR, sealed with the case's key. `client_feedback` has no case, no user and
no timestamp finer than a month, so that it can only be counted. The closure columns of
`cases` came with 0005.
"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ANSWERS = ("yes", "partly", "no", "no_answer")


def _answer(name):
    return sa.Column(
        name,
        sa.Enum(*ANSWERS, name="feedbackanswer", native_enum=False, length=10),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "attachments",
        sa.Column(
            "kind",
            sa.Enum(
                "forensic_certificate",
                "protection_order",
                "consent_form",
                "other",
                name="attachmentkind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "media_type",
            sa.Enum(
                "application/pdf",
                "image/jpeg",
                "image/png",
                name="mediatype",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("storage_id", sa.String(length=32), nullable=False),
        sa.Column("uploaded_by_id", sa.Uuid(), nullable=True),
        sa.Column("original_name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_attachments_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("storage_id", name=op.f("uq_attachments_storage_id")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_case_id"), ["case_id"], unique=False)

    op.create_table(
        "client_feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        _answer("felt_welcome"),
        _answer("felt_safe"),
        _answer("staff_listened"),
        _answer("services_explained"),
        _answer("would_recommend"),
        sa.Column(
            "overall",
            sa.Enum(
                "satisfied",
                "partly",
                "not_satisfied",
                "no_answer",
                name="satisfaction",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_client_feedback_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_feedback")),
    )
    with op.batch_alter_table("client_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_feedback_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("client_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_feedback_organisation_id"))
    op.drop_table("client_feedback")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_case_id"))
    op.drop_table("attachments")
