"""cases: encrypted case records, case keys and blind indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 11:30:00

Identifying fields exist only as AES-256-GCM ciphertext (`*_ct`, LargeBinary); each case's
data key is wrapped in case_keys; blind-index values sit in case_search_index with their
index key version (docs/encryption.md).
"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "blind_index_versions",
        sa.Column("key_id", sa.String(length=20), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "backfill", "active", "retired", name="indexstate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("promoted_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_blind_index_versions")),
    )
    op.create_table(
        "cases",
        sa.Column("case_code", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "closed", "erased", name="casestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("erased_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "erasure_reason",
            sa.Enum(
                "survivor_request",
                "retention_expired",
                "entered_in_error",
                "safety",
                name="erasurereason",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("full_name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("birth_date_ct", sa.LargeBinary(), nullable=True),
        sa.Column("phone_ct", sa.LargeBinary(), nullable=True),
        sa.Column("note_ct", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cases_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_cases_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_code", name=op.f("uq_cases_case_code")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_organisation_id_updated_at", ["organisation_id", "updated_at"], unique=False
        )
        batch_op.create_index(
            "ix_cases_owner_id_updated_at", ["owner_id", "updated_at"], unique=False
        )

    op.create_table(
        "case_keys",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kek_id", sa.String(length=20), nullable=False),
        sa.Column("wrapped_dek", sa.LargeBinary(length=40), nullable=False),
        sa.Column("key_check", sa.LargeBinary(length=16), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rewrapped_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_keys_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_keys")),
    )
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_keys_kek_id"), ["kek_id"], unique=False)

    op.create_table(
        "case_search_index",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("key_id", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_search_index_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "name", "key_id", name=op.f("pk_case_search_index")),
    )
    with op.batch_alter_table("case_search_index", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_search_index_lookup", ["name", "key_id", "value"], unique=False
        )


def downgrade():
    with op.batch_alter_table("case_search_index", schema=None) as batch_op:
        batch_op.drop_index("ix_case_search_index_lookup")

    op.drop_table("case_search_index")
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_keys_kek_id"))

    op.drop_table("case_keys")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_owner_id_updated_at")
        batch_op.drop_index("ix_cases_organisation_id_updated_at")

    op.drop_table("cases")
    op.drop_table("blind_index_versions")
