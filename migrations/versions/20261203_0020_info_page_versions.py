"""info page versions: the earlier texts of each information page, kept at every edit

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 12:05:00

"""

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "info_page_versions",
        sa.Column("page_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title_ky", sa.String(length=200), nullable=False),
        sa.Column("title_ru", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("body_ky", sa.Text(), nullable=False),
        sa.Column("body_ru", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_on", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("saved_by_id", sa.Uuid(), nullable=True),
        sa.Column("saved_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["info_pages.id"],
            name=op.f("fk_info_page_versions_page_id_info_pages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_by_id"], ["users.id"], name=op.f("fk_info_page_versions_saved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_page_versions")),
        sa.UniqueConstraint("page_id", "version", name=op.f("uq_info_page_versions_page_id")),
    )


def downgrade():
    op.drop_table("info_page_versions")
