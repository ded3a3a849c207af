"""info pages: public "know your rights" pages, their sources and lawyer review;
the starter pages are inserted so that a fresh instance has them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 08:20:00

"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import referral.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "info_pages",
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_ky", sa.String(length=200), nullable=False),
        sa.Column("title_ru", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("body_ky", sa.Text(), nullable=False),
        sa.Column("body_ru", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_on", referral.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", referral.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_info_pages_reviewed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_info_pages_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_pages")),
        sa.UniqueConstraint("slug", name=op.f("uq_info_pages_slug")),
    )
    # A frozen copy would drift from `flask info seed`; the starter module is pure data.
    from referral.info.starter import PAGES

    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {
                "id": uuid.uuid4(),
                "position": i,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                **page,
            }
            for i, page in enumerate(PAGES)
        ],
    )


def downgrade():
    op.drop_table("info_pages")
