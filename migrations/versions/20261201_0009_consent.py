"""consent: one row per consent decision of a case

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:30:00

Consent to services, to release information (per service type, optionally per named
provider) and to non-identifying reporting; numbered per case, never overwritten. The
remark is encrypted.
"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_consents",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "services", "release", "reporting", name="consentkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column(
            "decision",
            sa.Enum(
                "given",
                "refused",
                "withdrawn",
                name="consentdecision",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("service_types", sa.JSON(), nullable=True),
        sa.Column("organisation_ids", sa.JSON(), nullable=True),
        sa.Column(
            "given_by",
            sa.Enum(
                "survivor",
                "caregiver",
                "trusted_adult",
                "caseworker_best_interest",
                name="consentgiver",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column(
            "child_assent",
            sa.Enum(
                "given",
                "not_given",
                "too_young",
                name="childassent",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "method",
            sa.Enum("verbal", "written", name="consentmethod", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column("mandatory_reporting_explained", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=True),
        sa.Column("remark_ct", sa.LargeBinary(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_consents_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_case_consents_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_consents")),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_consents_case_id_seq"),
    )
    with op.batch_alter_table("case_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_consents_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_case_consents_case_kind_seq", ["case_id", "kind", "seq"], unique=False
        )


def downgrade():
    with op.batch_alter_table("case_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_case_consents_case_kind_seq")
        batch_op.drop_index(batch_op.f("ix_case_consents_case_id"))
    op.drop_table("case_consents")
