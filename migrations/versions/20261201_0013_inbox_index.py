"""inbox index: referrals by (organisation, status, sent, id)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:10:00

The provider's inbox asks for one organisation's referrals of given statuses (overdue
ones, a filter, capped counts). Without this index PostgreSQL combined the organisation
and the status indexes and read every provider's rows of that status (bench: 403,939
index entries at 1,000,000 referrals; with it, 3,161).
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.create_index(
            "ix_referrals_to_org_status_sent", ["to_org_id", "status", "sent_at", "id"]
        )


def downgrade():
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.drop_index("ix_referrals_to_org_status_sent")
