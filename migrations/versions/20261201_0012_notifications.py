"""notifications: in-app notifications; when a referral's overdue reminder went out

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:45:00
"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "new_referral",
                "status_changed",
                "feedback",
                "overdue",
                name="notificationkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_user_created_id",
        "notifications",
        ["user_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_notifications_user_read", "notifications", ["user_id", "read_at"], unique=False
    )
    op.create_index("ix_notifications_referral", "notifications", ["referral_id"], unique=False)
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(
            sa.Column("overdue_notified_at", referral.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("overdue_notified_at")
    op.drop_index("ix_notifications_referral", table_name="notifications")
    op.drop_index("ix_notifications_user_read", table_name="notifications")
    op.drop_index("ix_notifications_user_created_id", table_name="notifications")
    op.drop_table("notifications")
