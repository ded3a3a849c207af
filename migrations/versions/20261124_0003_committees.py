"""committees: prevention committees, members, activities and referral pathways (to be filled)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 11:30:00

"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
