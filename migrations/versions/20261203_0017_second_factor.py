"""second factor: TOTP secrets, recovery codes, session stages, account lockout

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 07:00:00

Sessions that exist at upgrade time are complete ("full"): the second factor is asked
from the next sign-in on. Those of users who still have a temporary password go back
to the password change, as the exempt-endpoint check held them there before.
"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("locked_until", referral.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("user_sessions") as batch_op:
        batch_op.add_column(
            sa.Column(
                "stage",
                sa.Enum(
                    "second_factor",
                    "password_change",
                    "enrolment",
                    "full",
                    name="sessionstage",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="full",
            )
        )
    op.execute(
        "UPDATE user_sessions SET stage = 'password_change' WHERE user_id IN "
        "(SELECT id FROM users WHERE must_change_password)"
    )
    op.create_table(
        "user_second_factors",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("secret_ct", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=20), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_second_factors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_second_factors")),
    )
    op.create_table(
        "user_recovery_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_recovery_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_recovery_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_user_recovery_codes_code_hash")),
    )
    with op.batch_alter_table("user_recovery_codes") as batch_op:
        batch_op.create_index(batch_op.f("ix_user_recovery_codes_user_id"), ["user_id"])


def downgrade():
    with op.batch_alter_table("user_recovery_codes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_recovery_codes_user_id"))
    op.drop_table("user_recovery_codes")
    op.drop_table("user_second_factors")
    with op.batch_alter_table("user_sessions") as batch_op:
        batch_op.drop_column("stage")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_sign_ins")
